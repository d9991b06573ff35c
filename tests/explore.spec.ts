import { expect, test } from '@grafana/plugin-e2e';

import { openOptions } from './editor';
import { Dashboards, LEAK_QUERY } from './selectors';
import { hasGrafana, NO_GRAFANA_REASON } from './skip';

test.skip(!hasGrafana, NO_GRAFANA_REASON);

/**
 * "Explore" from a provisioned panel: the query arrives with the dashboard's variables filled in
 * (interpolateVariablesInQueries), not `$namespace`, and runs.
 */
test('Explore from a dashboard panel carries the variables filled in', async ({ gotoDashboardPage, page }) => {
  const dashboardPage = await gotoDashboardPage({
    uid: Dashboards.service.uid,
    queryParams: new URLSearchParams({ 'var-namespace': 'shop', 'var-workload': 'cart' }),
  });
  const panel = dashboardPage.getPanelByTitle(Dashboards.service.memory);
  await panel.scrollIntoView();
  await panel.clickOnMenuItem('Explore');
  await expect(page).toHaveURL(/\/explore/);
  const code = page.locator('.monaco-editor').first();
  await expect(code).toContainText('namespace=~"shop"');
  // $__workloadPods stays for the backend, with the workload filled in.
  await expect(code).toContainText('pod=~"$__workloadPods(cart)"');
  await expect(code).not.toContainText('$namespace');
});

/** Query history lists a query as its expression and the options that are not at their defaults, in one line. */
test('query history shows the expression and the options in one line', async ({
  explorePage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await explorePage.datasource.set(ds.name);
  const row = explorePage.getQueryEditorRow('A');
  await row.getByRole('textbox', { name: 'Query' }).click();
  await page.keyboard.type(LEAK_QUERY);
  await openOptions(row);
  await row.getByLabel('Verdicts', { exact: true }).click();
  await expect(explorePage.runQuery()).toBeOK();
  await page.getByRole('button', { name: /Query history/ }).click();
  await expect(page.getByText(`${LEAK_QUERY} · Output: Verdicts`).first()).toBeVisible();
});
