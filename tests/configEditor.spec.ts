import { expect, test } from '@grafana/plugin-e2e';

import { MemshapeOptions, MemshapeSecureJsonData } from '../src/types';
import { Components } from './selectors';
import { hasGrafana, NO_GRAFANA_REASON } from './skip';

test.skip(!hasGrafana, NO_GRAFANA_REASON);

const C = Components.ConfigEditor;

test('smoke: the config editor opens on Prometheus with connection, auth and analysis settings', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await createDataSourceConfigPage({ type: ds.type });
  await expect(page.getByLabel(C.upstream.prometheus, { exact: true })).toBeChecked();
  await expect(page.getByLabel(C.url)).toBeVisible();
  await expect(page.locator(C.authMethod)).toBeVisible();
  await expect(page.getByLabel(C.timeout)).toBeVisible();
  await expect(page.getByRole('radiogroup', { name: C.defaultWindow })).toBeVisible();
});

test('Datadog: a site and two keys, no URL', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await createDataSourceConfigPage({ type: ds.type });
  await page.getByText(C.upstream.datadog, { exact: true }).click();
  await expect(page.locator(C.datadogSite)).toBeVisible();
  await expect(page.getByLabel(C.datadogApiKey)).toBeVisible();
  await expect(page.getByLabel(C.datadogAppKey)).toBeVisible();
  await expect(page.getByLabel(C.url)).toHaveCount(0);
});

test('"Save & test" succeeds against the provisioned Prometheus', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource<MemshapeOptions, MemshapeSecureJsonData>({ fileName: 'datasources.yml' });
  const configPage = await createDataSourceConfigPage({ type: ds.type });
  await page.getByLabel(C.url).fill(ds.url ?? 'http://prometheus:9090');
  await expect(configPage.saveAndTest()).toBeOK();
});

test('"Save & test" fails for Datadog without keys', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  const configPage = await createDataSourceConfigPage({ type: ds.type });
  await page.getByText(C.upstream.datadog, { exact: true }).click();
  await expect(configPage.saveAndTest()).not.toBeOK();
});
