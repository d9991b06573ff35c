import { expect, test } from '@grafana/plugin-e2e';

import { Dashboards } from './selectors';
import { hasGrafana, NO_GRAFANA_REASON } from './skip';

test.skip(!hasGrafana, NO_GRAFANA_REASON);

/**
 * The data source's Dashboards tab lists the dashboards plugin.json includes; importing one binds its data source
 * variable to this data source (the DS_MEMSHAPE input), through Grafana's own importer.
 */
test('the Dashboards tab lists the fleet and service dashboards and imports them onto this data source', async ({
  readProvisionedDataSource,
  gotoDataSourceConfigPage,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await gotoDataSourceConfigPage(ds.uid);
  await page.getByRole('tab', { name: 'Dashboards' }).click();
  await expect(page.getByText(Dashboards.fleet.title)).toBeVisible();
  await expect(page.getByText(Dashboards.service.title)).toBeVisible();

  // What the tab's Import button sends, with a uid of its own so the provisioned dashboard stays.
  const plugin = await page.request.get(`/public/plugins/${ds.type}/dashboards/fleet.json`);
  expect(plugin.ok()).toBeTruthy();
  const dashboard = { ...(await plugin.json()), uid: 'memshape-e2e-import' };
  const imported = await page.request.post('/api/dashboards/import', {
    data: {
      dashboard,
      overwrite: true,
      inputs: [{ name: '*', type: 'datasource', pluginId: ds.type, value: ds.name }],
    },
  });
  expect(imported.ok()).toBeTruthy();
  try {
    const saved = await (await page.request.get('/api/dashboards/uid/memshape-e2e-import')).json();
    const variable = saved.dashboard.templating.list.find((v: { type: string }) => v.type === 'datasource');
    expect(variable.current.value).toBe(ds.name);
    expect(JSON.stringify(saved.dashboard)).not.toContain('DS_MEMSHAPE');
  } finally {
    await page.request.delete('/api/dashboards/uid/memshape-e2e-import');
  }
});
