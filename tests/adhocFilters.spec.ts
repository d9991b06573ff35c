import { expect, test } from '@grafana/plugin-e2e';

import { FLEET_QUERY } from './selectors';
import { hasGrafana, NO_GRAFANA_REASON } from './skip';

test.skip(!hasGrafana, NO_GRAFANA_REASON);

const UID = 'memshape-e2e-adhoc';

/**
 * A dashboard with an ad hoc filter variable on the Memory Shape data source and a verdict table: the filter offers
 * the upstream's label names and values (getTagKeys/getTagValues), and narrows the table's query in the backend.
 */
test('ad hoc filters offer the labels and narrow every query of the dashboard', async ({
  readProvisionedDataSource,
  gotoDashboardPage,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  const ref = { type: ds.type, uid: ds.uid };
  const created = await page.request.post('/api/dashboards/db', {
    data: {
      overwrite: true,
      dashboard: {
        uid: UID,
        title: 'Memory Shape e2e: ad hoc filters',
        time: { from: 'now-24h', to: 'now' },
        templating: { list: [{ type: 'adhoc', name: 'Filters', datasource: ref, filters: [] }] },
        panels: [
          {
            id: 1,
            type: 'table',
            title: 'Verdicts',
            gridPos: { x: 0, y: 0, w: 24, h: 12 },
            datasource: ref,
            targets: [
              {
                refId: 'A',
                datasource: ref,
                expr: FLEET_QUERY,
                legendFormat: '{{namespace}}/{{pod}}',
                output: 'verdicts',
              },
            ],
          },
        ],
      },
    },
  });
  expect(created.ok()).toBeTruthy();
  try {
    // The filter in the URL, as Grafana writes it: key|operator|value.
    const answer = page.waitForResponse((r) => r.url().includes('/api/ds/query') && r.request().method() === 'POST');
    const dashboardPage = await gotoDashboardPage({
      uid: UID,
      queryParams: new URLSearchParams({ 'var-Filters': 'namespace|=|shop' }),
    });
    const request = (await answer).request().postDataJSON();
    expect(request.queries[0].adhocFilters).toEqual([{ key: 'namespace', operator: '=', value: 'shop' }]);
    const body = await (await answer).json();
    const frame = body.results.A.frames[0];
    const series: string[] =
      frame.data.values[frame.schema.fields.findIndex((f: { name: string }) => f.name === 'series')];
    expect(series.length).toBeGreaterThan(0);
    for (const name of series) {
      expect(name).toMatch(/^shop\//);
    }
    await expect(
      dashboardPage
        .getPanelByTitle('Verdicts')
        .locator.getByText(/^shop\//)
        .first()
    ).toBeVisible();

    // Adding a filter offers the label names of the series the first filter keeps.
    const keys = page.waitForResponse((r) => r.url().includes('/resources/tag-keys'));
    await page.getByRole('button', { name: /add filter/i }).click();
    const offered = await (await keys).json();
    expect(offered.map((v: { text: string }) => v.text)).toEqual(expect.arrayContaining(['namespace', 'pod']));
  } finally {
    await page.request.delete(`/api/dashboards/uid/${UID}`);
  }
});
