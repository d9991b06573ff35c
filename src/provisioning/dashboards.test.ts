/**
 * The provisioned dashboards (provisioning/dashboards/*.json) checked against @grafana/schema: the keys of the
 * dashboard, its panels, targets, variables and annotations are keys of the schema's types (the lists below are
 * typed with `keyof`, so TypeScript rejects a name the schema does not have), enumerated values are members of the
 * schema's unions and enums, and schemaVersion is the current one (defaultDashboard.schemaVersion). Then what makes
 * them Memory Shape dashboards: every query goes to this data source with the contract's fields, the shape colours,
 * the severity sort, the variables backed by the data source's `variable` resource.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  AnnotationQuery,
  Dashboard,
  DashboardCursorSync,
  DataQuery,
  DataSourceRef,
  defaultDashboard,
  FieldConfigSource,
  GridPos,
  MappingType,
  Panel,
  VariableHide,
  VariableModel,
  VariableRefresh,
  VariableSort,
  VariableType,
} from '@grafana/schema';

const root = join(__dirname, '..', '..');
const readJSON = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));

const dashboards: Record<string, any> = {
  fleet: readJSON('provisioning/dashboards/fleet.json'),
  service: readJSON('provisioning/dashboards/service.json'),
};
const pluginJSON = readJSON('src/plugin.json');

// Keys the schema's types have, checked by the compiler.
const dashboardKeys: Array<keyof Dashboard> = [
  'id',
  'uid',
  'title',
  'description',
  'revision',
  'gnetId',
  'tags',
  'timezone',
  'editable',
  'graphTooltip',
  'time',
  'timepicker',
  'fiscalYearStartMonth',
  'liveNow',
  'weekStart',
  'refresh',
  'schemaVersion',
  'version',
  'panels',
  'templating',
  'annotations',
  'links',
  'snapshot',
  'preload',
];
const panelKeys: Array<keyof Panel> = [
  'type',
  'id',
  'pluginVersion',
  'targets',
  'title',
  'description',
  'transparent',
  'datasource',
  'gridPos',
  'links',
  'repeat',
  'repeatDirection',
  'maxPerRow',
  'maxDataPoints',
  'transformations',
  'interval',
  'timeFrom',
  'timeShift',
  'hideTimeOverride',
  'libraryPanel',
  'cacheTimeout',
  'queryCachingTTL',
  'options',
  'fieldConfig',
];
const gridKeys: Array<keyof GridPos> = ['h', 'w', 'x', 'y', 'static'];
const fieldConfigKeys: Array<keyof FieldConfigSource> = ['defaults', 'overrides'];
const variableKeys: Array<keyof VariableModel> = [
  'type',
  'name',
  'label',
  'hide',
  'skipUrlSync',
  'description',
  'query',
  'datasource',
  'current',
  'multi',
  'allowCustomValue',
  'options',
  'refresh',
  'sort',
  'includeAll',
  'allValue',
  'regex',
];
const annotationKeys: Array<keyof AnnotationQuery> = [
  'name',
  'datasource',
  'enable',
  'hide',
  'iconColor',
  'filter',
  'target',
  'type',
  'builtIn',
];
const dataQueryKeys: Array<keyof DataQuery> = ['refId', 'hide', 'queryType', 'datasource'];
const refKeys: Array<keyof DataSourceRef> = ['type', 'uid'];
const variableTypes: VariableType[] = ['query', 'custom', 'datasource', 'interval', 'textbox', 'constant', 'adhoc'];

/** The query fields of the backend contract (CONTRACT.md, `MemshapeQuery`), plus the Dashboard data source's. */
const memshapeQueryKeys = [
  'expr',
  'legendFormat',
  'limitBytes',
  'limitExpr',
  'sensitivity',
  'output',
  'alertValue',
  'analysisWindow',
  'annotate',
];
const outputs = ['all', 'series', 'verdicts', 'alert', 'annotations'];
const PLUGIN = pluginJSON.id;

function expectKeys(what: string, obj: object, allowed: readonly string[]) {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  expect({ what, extra }).toEqual({ what, extra: [] });
}

/** Every target of a panel, annotation or variable that goes to Memory Shape. */
function memshapeTargets(d: any): any[] {
  const out: any[] = [];
  for (const p of d.panels) {
    for (const t of p.targets ?? []) {
      if ((t.datasource ?? p.datasource)?.type === PLUGIN) {
        out.push(t);
      }
    }
  }
  for (const a of d.annotations.list) {
    if (a.datasource?.type === PLUGIN) {
      out.push(a.target);
    }
  }
  return out;
}

describe.each(Object.entries(dashboards))('the %s dashboard', (name, d) => {
  it('has only keys the schema knows, at the current schema version', () => {
    expectKeys('dashboard', d, dashboardKeys);
    expect(d.schemaVersion).toBe(defaultDashboard.schemaVersion);
    expect(Object.values(DashboardCursorSync)).toContain(d.graphTooltip);
    expect(d.uid).toMatch(/^memshape-[a-z]+$/);
    expect(d.tags).toContain('memshape');
  });

  it('has panels shaped as the schema says, on a 24-column grid without overlaps', () => {
    const ids = new Set<number>();
    const cells = new Set<string>();
    for (const p of d.panels) {
      expectKeys(`panel ${p.title}`, p, panelKeys);
      expectKeys(`gridPos of ${p.title}`, p.gridPos, gridKeys);
      expectKeys(`fieldConfig of ${p.title}`, p.fieldConfig, fieldConfigKeys);
      expect(ids.has(p.id)).toBe(false);
      ids.add(p.id);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect({ panel: p.title, cell: `${x},${y}`, taken: cells.has(`${x},${y}`) }).toEqual({
            panel: p.title,
            cell: `${x},${y}`,
            taken: false,
          });
          cells.add(`${x},${y}`);
        }
      }
      for (const t of p.targets ?? []) {
        expect(typeof t.refId).toBe('string');
        if (t.datasource?.uid === '-- Dashboard --') {
          // Reuses another panel's query: that panel must exist and query Memory Shape.
          const source = d.panels.find((q: any) => q.id === t.panelId);
          expect(source?.datasource?.type).toBe(PLUGIN);
        }
      }
    }
  });

  it('sends every query to this data source with the contract fields only', () => {
    const targets = memshapeTargets(d);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) {
      expectKeys(`target ${t.refId}`, t, [...dataQueryKeys, ...memshapeQueryKeys]);
      expect(outputs).toContain(t.output);
      expect(t.expr).toMatch(/^(container_memory_working_set_bytes|kube_pod_container_resource_limits)\{/);
      if (t.datasource) {
        expectKeys('datasource ref', t.datasource, refKeys);
        expect(t.datasource).toEqual({ type: PLUGIN, uid: '${datasource}' });
      }
    }
  });

  it('picks the data source with a variable, and the namespaces (and workloads) from its variable resource', () => {
    const vars: any[] = d.templating.list;
    for (const v of vars) {
      expectKeys(`variable ${v.name}`, v, variableKeys);
      expect(variableTypes).toContain(v.type);
      expect(Object.values(VariableHide)).toContain(v.hide);
      expect(Object.values(VariableRefresh)).toContain(v.refresh);
      if (v.sort !== undefined) {
        expect(Object.values(VariableSort)).toContain(v.sort);
      }
    }
    expect(vars[0]).toMatchObject({ type: 'datasource', name: 'datasource', query: PLUGIN });
    const wanted = name === 'service' ? ['namespace', 'workload'] : ['namespace'];
    for (const n of wanted) {
      const v = vars.find((x) => x.name === n);
      expect(v).toMatchObject({ type: 'query', multi: true, includeAll: true, datasource: { type: PLUGIN } });
      // CustomVariableSupport stores { query, refId }; the query is one the `variable` resource accepts.
      expect(v.query.query).toMatch(
        /^(label_values\((container_memory_working_set_bytes(\{[^}]*\})?, )?[a-z_]+\)|workloads\(container_memory_working_set_bytes\{[^}]*\}\))$/
      );
    }
    if (name === 'service') {
      // $workload follows $namespace, and names workloads, not the pods a rollout replaces.
      expect(vars.find((x) => x.name === 'workload').query.query).toMatch(/^workloads\(.*namespace=~"\$namespace"/);
      // Every query selects the pods of the chosen workloads.
      for (const t of memshapeTargets(d)) {
        expect(t.expr).toContain('pod=~"$__workloadPods($workload)"');
      }
      for (const a of d.annotations.list.filter((x: any) => x.datasource?.type === PLUGIN)) {
        expect(a.target.expr).toContain('pod=~"$__workloadPods($workload)"');
      }
    }
  });

  it('colours the shapes and sorts the verdicts worst first', () => {
    const table = d.panels.find((p: any) => p.type === 'table');
    expect(table.targets[0].output).toBe('verdicts');
    expect(table.options.sortBy).toEqual([{ displayName: 'severity', desc: true }]);
    const shape = table.fieldConfig.overrides.find((o: any) => o.matcher.options === 'shape');
    const mappings = shape.properties.find((p: any) => p.id === 'mappings').value;
    expect(mappings[0].type).toBe(MappingType.ValueToText);
    const colour = (s: string) => mappings[0].options[s].color;
    expect([
      colour('leak'),
      colour('bloat'),
      colour('fragmentation'),
      colour('healthy'),
      colour('inconclusive'),
    ]).toEqual(['red', 'orange', 'yellow', 'green', '#8e8e8e']);
    expect(shape.properties).toContainEqual({
      id: 'custom.cellOptions',
      value: { type: 'color-background', mode: 'basic' },
    });
  });

  it('annotates jumps and restarts on the time series from the annotations output', () => {
    const annos = d.annotations.list.filter((a: any) => a.datasource?.type === PLUGIN);
    expect(annos).toHaveLength(1);
    for (const a of annos) {
      expectKeys('annotation', a, annotationKeys);
      expect(a.target.output).toBe('annotations');
      for (const id of a.filter.ids) {
        expect(d.panels.find((p: any) => p.id === id)?.type).toBe('timeseries');
      }
    }
  });
});

describe('the fleet dashboard', () => {
  const d = dashboards.fleet;
  it('counts the series of each shape from the verdict table', () => {
    const counted = d.panels
      .filter((p: any) => p.type === 'stat' && p.transformations?.length)
      .map((p: any) => p.transformations[0].options.filters[0].config.options.value);
    expect(counted).toEqual(['leak', 'bloat', 'fragmentation', 'healthy', 'inconclusive']);
  });

  it('shows the worst offenders with their overlays and hides healthy series', () => {
    const worst = d.panels.find((p: any) => p.type === 'timeseries');
    expect(worst.targets[0].output).toBe('series');
    const hide = worst.fieldConfig.overrides.find((o: any) => o.properties[0].id === 'custom.hideFrom');
    const hidden = new RegExp(hide.matcher.options);
    // Display names as the backend writes them (CONTRACT.md: displayNameFromDS): workload · pod · verdict.
    expect(hidden.test('shop/cart · cart-7d9f8b6c5d-x2kq4 · LEAK')).toBe(false);
    expect(hidden.test('shop/cart · linear fit')).toBe(false);
    expect(hidden.test('shop/cart · forecast')).toBe(false);
    expect(hidden.test('search/images · images-0 · BLOAT')).toBe(false);
    expect(hidden.test('shop/cache · cache-0')).toBe(true);
  });
});

describe('the service dashboard', () => {
  it('shows the time to the limit, the limit itself and the explanation', () => {
    const d = dashboards.service;
    const ttl = d.panels.find((p: any) => p.title === 'Time to limit');
    // Grafana's stat panel matches this pattern against display names.
    expect(ttl.options.reduceOptions.fields).toBe('/^time to limit$/');
    expect(ttl.fieldConfig.defaults.unit).toBe('s');
    const mem = d.panels.find((p: any) => p.type === 'timeseries');
    // One query: the limit comes with the series (limitExpr), a line in each workload's colour.
    expect(mem.targets.map((t: any) => t.expr.split('{')[0])).toEqual(['container_memory_working_set_bytes']);
    expect(mem.targets[0].limitExpr).toContain('kube_pod_container_resource_limits');
    const table = d.panels.find((p: any) => p.type === 'table');
    expect(table.transformations[0].options.excludeByName.explanation).toBeUndefined();
  });
});

describe('the dashboards provider and the dev server', () => {
  it('loads every dashboard file from the folder it names', () => {
    const provider = readFileSync(join(root, 'provisioning/dashboards/dashboards.yml'), 'utf8');
    expect(provider).toContain('path: /etc/grafana/provisioning/dashboards');
  });

  it('runs a Grafana inside the range plugin.json claims', () => {
    const base = readFileSync(join(root, '.config/docker-compose-base.yaml'), 'utf8');
    const version = base.match(/grafana_version: \$\{GRAFANA_VERSION:-([0-9.]+)\}/)?.[1];
    const oldest = String(pluginJSON.dependencies.grafanaDependency).match(/^>=(\d+)\.(\d+)\.(\d+)$/);
    expect(version && oldest).toBeTruthy();
    const [major, minor, patch] = version!.split('.').map(Number);
    const [a, b, c] = oldest!.slice(1).map(Number);
    expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(a * 1e6 + b * 1e3 + c);
  });
});
