import { expect, test } from '@grafana/plugin-e2e';

import { MemshapeOptions, MemshapeSecureJsonData } from '../src/types';
import { hasGrafana, NO_GRAFANA_REASON } from './skip';

test.skip(!hasGrafana, NO_GRAFANA_REASON);

test('smoke: renders the config editor with Prometheus selected', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await createDataSourceConfigPage({ type: ds.type });
  await expect(page.getByRole('radio', { name: 'Prometheus' })).toBeChecked();
  await expect(page.getByLabel(/Prometheus URL/)).toBeVisible();
  await expect(page.getByLabel('Bearer token')).toBeVisible();
});

test('shows the Datadog fields when Datadog is selected', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await createDataSourceConfigPage({ type: ds.type });
  await page.getByText('Datadog', { exact: true }).click();
  await expect(page.getByLabel('Datadog site')).toBeVisible();
  await expect(page.getByLabel(/API key/)).toBeVisible();
  await expect(page.getByLabel(/Application key/)).toBeVisible();
  await expect(page.getByLabel(/Prometheus URL/)).toHaveCount(0);
});

test('"Save & test" succeeds against the provisioned Prometheus', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource<MemshapeOptions, MemshapeSecureJsonData>({ fileName: 'datasources.yml' });
  const configPage = await createDataSourceConfigPage({ type: ds.type });
  await page.getByLabel(/Prometheus URL/).fill(ds.url ?? 'http://prometheus:9090');
  await expect(configPage.saveAndTest()).toBeOK();
});

test('"Save & test" fails for Datadog without keys', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  const configPage = await createDataSourceConfigPage({ type: ds.type });
  await page.getByText('Datadog', { exact: true }).click();
  await expect(configPage.saveAndTest()).not.toBeOK();
});
