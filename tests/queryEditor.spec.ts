import { expect, test } from '@grafana/plugin-e2e';

import { openOptions } from './editor';
import { Components } from './selectors';
import { hasGrafana, NO_GRAFANA_REASON } from './skip';

test.skip(!hasGrafana, NO_GRAFANA_REASON);

const Q = Components.QueryEditor;

test('smoke: the query editor has a code field, a limit and the outputs', async ({
  panelEditPage,
  readProvisionedDataSource,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await expect(row.getByRole('textbox', { name: Q.code })).toBeVisible();
  await expect(row.getByRole('button', { name: Q.options })).toContainText('Output: All');
  await openOptions(row);
  await expect(row.getByLabel(Q.memoryLimit)).toBeVisible();
  await expect(row.getByRole('textbox', { name: Q.limitCode })).toBeVisible();
  await expect(row.getByLabel(Q.output.all, { exact: true })).toBeChecked();
});

test('an example runs the query', async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  const request = panelEditPage.waitForQueryDataRequest();
  await row.getByText(Q.example.processRss, { exact: true }).click();
  await expect(await request).toBeTruthy();
});

test('completion offers metric names from the upstream', async ({ panelEditPage, readProvisionedDataSource, page }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await row.getByRole('textbox', { name: Q.code }).click();
  await page.keyboard.type('process_res');
  await page.keyboard.press('Control+Space');
  await expect(page.getByRole('option', { name: /process_resident_memory_bytes/ }).first()).toBeVisible();
});

test('an invalid memory limit holds the query and says why', async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await openOptions(row);
  await row.getByLabel(Q.memoryLimit).fill('lots');
  await row.getByLabel(Q.memoryLimit).blur();
  await expect(row.getByText(/"lots" is not a size/)).toBeVisible();
});
