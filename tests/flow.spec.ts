import { expect, test } from '@grafana/plugin-e2e';

import { openOptions } from './editor';
import { Components, LEAK_QUERY } from './selectors';
import { hasGrafana, NO_GRAFANA_REASON } from './skip';

test.skip(!hasGrafana, NO_GRAFANA_REASON);

const Q = Components.QueryEditor;

/**
 * The first ten minutes: query a memory series, see the verdict in the legend and the badge (the panel notice),
 * then create an alert rule on the same data source, which defaults to the alert output.
 */
test('query → see the badge → create the alert rule', async ({
  panelEditPage,
  readProvisionedDataSource,
  alertRuleEditPage,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });

  // Query: the code field, run with Shift+Enter.
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await row.getByRole('textbox', { name: Q.code }).click();
  await page.keyboard.type(LEAK_QUERY);
  const answer = panelEditPage.waitForQueryDataResponse();
  await page.keyboard.press('Shift+Enter');
  const body = await (await answer).json();

  // The badge: one notice on the query's first frame, naming the leak; the legend says it too.
  const frames = body.results.A.frames;
  const notices = frames.flatMap(
    (f: { schema: { meta?: { notices?: Array<{ text: string }> } } }) => f.schema.meta?.notices ?? []
  );
  expect(notices).toHaveLength(1);
  expect(notices[0].text).toMatch(/LEAK/);
  await expect(panelEditPage.panel.locator.getByText(/· LEAK \+/).first()).toBeVisible();

  // The alert rule: the editor starts on the alert output; evaluation answers one number per series.
  // A new alert rule (the fixture opens the rule editor).
  const alertRule = alertRuleEditPage;
  await alertRule.alertRuleNameField.fill('Memory leak (e2e)');
  const query = await alertRule.getQueryRow('A');
  await query.datasource.set(ds.name);
  await expect(query.locator.getByText(Q.alertValueSummary)).toBeVisible();
  await openOptions(query.locator);
  await expect(query.locator.getByLabel(Q.alertValue.leak)).toBeChecked();
  // Inside an alert rule only what alerting reads: no legend, no output choice.
  await expect(query.locator.getByRole('radiogroup', { name: 'Output' })).toHaveCount(0);
  await query.locator.getByRole('textbox', { name: Q.code }).click();
  await page.keyboard.type(LEAK_QUERY);
  await expect(alertRule.evaluate()).toBeOK();
});
