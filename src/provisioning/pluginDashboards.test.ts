/**
 * The dashboards of the data source's Dashboards tab and the catalogue fields of plugin.json: what the build puts in
 * the plugin (webpack.config.ts) and what Grafana does with it when the tab imports a dashboard.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { DATASOURCE_INPUT, includedDashboards, pluginDashboard } from './pluginDashboards';

const root = join(__dirname, '..', '..');
const readJSON = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));
const pluginJSON = readJSON('src/plugin.json');
const meta = { ...pluginJSON, info: { ...pluginJSON.info, version: '1.2.3' } };

/**
 * What Grafana's importer does with a plugin dashboard imported from a data source's Dashboards tab: the tab sends
 * one input `{name: '*', type: 'datasource', pluginId, value: <data source name>}`; every `${NAME}` of a declared
 * input is replaced by its value, anywhere in the JSON; other `${…}` (dashboard variables) stay.
 */
function importFromTab(dashboard: Record<string, any>, dataSourceName: string): Record<string, any> {
  const inputs: Array<{ name: string; type: string; pluginId: string }> = dashboard.__inputs ?? [];
  const values = new Map<string, string>();
  for (const input of inputs) {
    if (input.type !== 'datasource' || input.pluginId !== pluginJSON.id) {
      throw new Error(`the tab gives no value for the input ${input.name}`);
    }
    values.set('${' + input.name + '}', dataSourceName);
  }
  const { __inputs, __requires, ...rest } = dashboard;
  return JSON.parse(JSON.stringify(rest), (_key, v) =>
    typeof v === 'string' ? v.replace(/\$\{.+?\}/g, (ref) => values.get(ref) ?? ref) : v
  );
}

describe('plugin.json includes', () => {
  const included = includedDashboards(pluginJSON);

  it('lists every provisioned dashboard under its title, at dashboards/<file>', () => {
    const provisioned = ['fleet', 'service'].map((name) => readJSON(`provisioning/dashboards/${name}.json`));
    expect(included.map((d) => d.path)).toEqual(['dashboards/fleet.json', 'dashboards/service.json']);
    expect(included.map((d) => d.name)).toEqual(provisioned.map((d) => d.title));
    for (const inc of included) {
      expect(existsSync(join(root, 'provisioning', 'dashboards', basename(inc.path)))).toBe(true);
    }
    // The include entries carry only what Grafana's plugin.json schema allows for a dashboard.
    for (const inc of pluginJSON.includes) {
      expect(Object.keys(inc).sort()).toEqual(['name', 'path', 'type']);
      expect(inc.type).toBe('dashboard');
    }
  });
});

describe.each(['fleet', 'service'])('the plugin copy of the %s dashboard', (name) => {
  const provisioned = readJSON(`provisioning/dashboards/${name}.json`);
  const copy = pluginDashboard(provisioned, meta);

  it('declares one data source input of this plugin and the data source, Grafana and panels it requires', () => {
    expect(copy.__inputs).toEqual([
      expect.objectContaining({ name: DATASOURCE_INPUT, type: 'datasource', pluginId: pluginJSON.id }),
    ]);
    expect(copy.__requires).toEqual(
      expect.arrayContaining([
        { type: 'grafana', id: 'grafana', name: 'Grafana', version: '11.0.0' },
        { type: 'datasource', id: pluginJSON.id, name: pluginJSON.name, version: '1.2.3' },
        expect.objectContaining({ type: 'panel', id: 'table' }),
        expect.objectContaining({ type: 'panel', id: 'timeseries' }),
      ])
    );
    // Every input the copy refers to is declared (the importer fails on an undeclared one).
    const refs = JSON.stringify(copy).match(/\$\{DS_[A-Z_]+\}/g) ?? [];
    expect(new Set(refs)).toEqual(new Set(['${' + DATASOURCE_INPUT + '}']));
  });

  it('is the provisioned dashboard, its data source variable bound to the importing data source', () => {
    const imported = importFromTab(copy, 'Team Prometheus (Memory Shape)');
    const variable = imported.templating.list.find((v: any) => v.type === 'datasource');
    expect(variable.current).toEqual({
      selected: true,
      text: 'Team Prometheus (Memory Shape)',
      value: 'Team Prometheus (Memory Shape)',
    });
    // Nothing else changes: panels, queries, links, the other variables still read ${datasource}.
    const strip = (d: any) => ({
      ...d,
      id: undefined,
      templating: {
        list: d.templating.list.map((v: any) => ({ ...v, current: v.type === 'datasource' ? null : v.current })),
      },
    });
    expect(strip(imported)).toEqual(strip(provisioned));
    expect(JSON.stringify(imported.panels)).toContain('"uid":"${datasource}"');
    expect(provisioned.templating.list.find((v: any) => v.type === 'datasource').current.value).toBe('memshape');
  });

  it('refuses a dashboard without a data source variable of this plugin', () => {
    const without = { ...provisioned, templating: { list: [] } };
    expect(() => pluginDashboard(without, meta)).toThrow(/no data source variable/);
  });
});

describe("plugin.json catalogue fields, by the plugin validator's rules", () => {
  it('has a description and keywords (discoverability)', () => {
    expect(pluginJSON.info.description.length).toBeGreaterThan(20);
    expect(pluginJSON.info.keywords.length).toBeGreaterThanOrEqual(3);
    expect(new Set(pluginJSON.info.keywords).size).toBe(pluginJSON.info.keywords.length);
  });

  it('has screenshots with names and relative paths, each a PNG the build takes from docs/img (screenshots, metadatapaths)', () => {
    expect(pluginJSON.info.screenshots.length).toBeGreaterThan(0);
    for (const shot of pluginJSON.info.screenshots) {
      expect(shot.name.trim()).not.toBe('');
      expect(shot.path).toMatch(/^img\/screenshots\/[a-z0-9-]+\.png$/);
      const source = readFileSync(join(root, 'docs', 'img', basename(shot.path)));
      expect(source.subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('has links with names and absolute https URLs (safelinks, brokenlinks)', () => {
    expect(pluginJSON.info.links.length).toBeGreaterThan(0);
    for (const link of pluginJSON.info.links) {
      expect(link.name.trim()).not.toBe('');
      expect(new URL(link.url).protocol).toBe('https:');
    }
  });
});
