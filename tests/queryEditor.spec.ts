import { expect, test } from '@grafana/plugin-e2e';

import { hasGrafana, NO_GRAFANA_REASON } from './skip';

test.skip(!hasGrafana, NO_GRAFANA_REASON);

test('smoke: renders the query editor', async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await expect(row.getByLabel('Query', { exact: true })).toBeVisible();
  await expect(row.getByLabel('Memory limit')).toBeVisible();
  await expect(row.getByRole('radio', { name: 'Normal' })).toBeChecked();
  await expect(row.getByRole('radio', { name: 'All' })).toBeChecked();
});

test('runs a query when the sensitivity changes', async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await row.getByLabel('Query', { exact: true }).fill('process_resident_memory_bytes');
  const queryRequest = panelEditPage.waitForQueryDataRequest();
  await row.getByText('High', { exact: true }).click();
  await expect(await queryRequest).toBeTruthy();
});

test('returns a verdict table', async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await row.getByLabel('Query', { exact: true }).fill('process_resident_memory_bytes');
  await row.getByText('Verdicts', { exact: true }).click();
  await panelEditPage.setVisualization('Table');
  await expect(panelEditPage.refreshPanel()).toBeOK();
});
