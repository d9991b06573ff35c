/**
 * The dashboards the plugin carries for the data source's Dashboards tab (plugin.json `includes`), made at build
 * time from the provisioned ones (provisioning/dashboards/*.json, the one home of both): the same dashboard, with a
 * data source input (`__inputs`) that Grafana's importer fills with the data source whose tab imports it, bound to
 * the dashboard's `datasource` variable, and the `__requires` Grafana's export writes. Used by webpack.config.ts
 * (Node, no browser code here) and checked by pluginDashboards.test.ts and internal/release.
 */

/** The input Grafana's importer replaces (`${DS_MEMSHAPE}`) with the importing data source. */
export const DATASOURCE_INPUT = 'DS_MEMSHAPE';

/** What the transform reads of plugin.json. */
export interface PluginMeta {
  id: string;
  name: string;
  info: { version: string };
  dependencies: { grafanaDependency: string };
}

/** An included dashboard: its file in provisioning/dashboards and its path in the plugin (plugin.json). */
export interface IncludedDashboard {
  name: string;
  path: string;
}

/** plugin.json's dashboard includes. */
export function includedDashboards(pluginJson: { includes?: Array<{ type: string; name: string; path?: string }> }) {
  return (pluginJson.includes ?? [])
    .filter((i) => i.type === 'dashboard' && i.path)
    .map((i): IncludedDashboard => ({ name: i.name, path: i.path! }));
}

/** The plugin's copy of a provisioned dashboard (the provisioned one is not changed). */
export function pluginDashboard(dashboard: Record<string, any>, plugin: PluginMeta): Record<string, any> {
  const out: Record<string, any> = JSON.parse(JSON.stringify(dashboard));
  const variable = (out.templating?.list ?? []).find(
    (v: { type: string; query: string }) => v.type === 'datasource' && v.query === plugin.id
  );
  if (!variable) {
    throw new Error(
      `dashboard ${dashboard.uid}: no data source variable of type ${plugin.id} to bind the imported data source to`
    );
  }
  const input = '${' + DATASOURCE_INPUT + '}';
  variable.current = { selected: true, text: input, value: input };
  delete out.id;
  // Array.from, not a spread: ts-node compiles this file for ES5 when webpack loads it.
  const panelTypes = Array.from(new Set<string>((out.panels ?? []).map((p: { type: string }) => p.type))).sort();
  const oldest = plugin.dependencies.grafanaDependency.replace(/^>=\s*/, '');
  return {
    __inputs: [
      {
        name: DATASOURCE_INPUT,
        label: plugin.name,
        description: 'The Memory Shape data source the dashboard reads',
        type: 'datasource',
        pluginId: plugin.id,
        pluginName: plugin.name,
      },
    ],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: oldest },
      { type: 'datasource', id: plugin.id, name: plugin.name, version: plugin.info.version },
      ...panelTypes.map((type) => ({ type: 'panel', id: type, name: type, version: '' })),
    ],
    ...out,
  };
}
