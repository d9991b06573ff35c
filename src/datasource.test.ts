import {
  AdHocVariableFilter,
  CoreApp,
  DataQueryRequest,
  DataSourceApi,
  DataSourceGetTagKeysOptions,
  dateTime,
} from '@grafana/data';
import { DataSourceWithBackend } from '@grafana/runtime';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lastValueFrom } from 'rxjs';

import { ALERT_DEFAULT_QUERY, ANNOTATION_DEFAULT_QUERY, DataSource } from './datasource';
import { instanceSettings } from './testing/instanceSettings';
import { fakeTemplateSrv } from './testing/templateSrv';
import { DEFAULT_QUERY, MemshapeQuery, MemshapeVariableQuery } from './types';

const templateSrv = fakeTemplateSrv([
  { name: 'namespace', current: 'shop' },
  { name: 'pod', current: ['api-1', 'api-7'], multi: true },
]);

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

const settings = instanceSettings;

const query = (overrides: Partial<MemshapeQuery>): MemshapeQuery => ({ refId: 'A', expr: '', ...overrides });

describe('DataSource', () => {
  const ds = new DataSource(settings());

  describe('getDefaultQuery', () => {
    it('gives the alert output inside the alert rule editor', () => {
      expect(ds.getDefaultQuery(CoreApp.UnifiedAlerting)).toEqual(ALERT_DEFAULT_QUERY);
      expect(ALERT_DEFAULT_QUERY).toMatchObject({ output: 'alert', alertValue: 'leak_confidence' });
    });

    it.each([CoreApp.Dashboard, CoreApp.PanelEditor, CoreApp.Explore, CoreApp.Unknown])(
      'gives everything (series, overlays, verdicts) in %s',
      (app) => {
        expect(ds.getDefaultQuery(app)).toEqual(DEFAULT_QUERY);
        expect(DEFAULT_QUERY).toMatchObject({ output: 'all', sensitivity: 'normal', legendFormat: '__auto' });
      }
    );
  });

  describe('annotations', () => {
    it('starts annotation queries on the annotations output', () => {
      expect(ds.annotations?.getDefaultQuery?.()).toEqual(ANNOTATION_DEFAULT_QUERY);
      expect(ANNOTATION_DEFAULT_QUERY.output).toBe('annotations');
    });

    it('asks for events whatever output the annotation was saved with', () => {
      const target = query({ expr: 'process_resident_memory_bytes', output: 'all' });
      const prepared = ds.annotations?.prepareQuery?.({ name: 'shapes', enable: true, iconColor: 'red', target });
      expect(prepared).toEqual({ ...target, output: 'annotations' });
      expect(ds.annotations?.prepareQuery?.({ name: 'empty', enable: true, iconColor: 'red' })).toBeUndefined();
    });

    it("leaves the frame-to-event mapping to Grafana's standard one and has its own editor", () => {
      expect(ds.annotations?.processEvents).toBeUndefined();
      expect(ds.annotations?.QueryEditor).toBeDefined();
    });
  });

  describe('filterQuery', () => {
    it('drops queries without an expression and hidden ones', () => {
      expect(ds.filterQuery(query({ expr: '' }))).toBe(false);
      expect(ds.filterQuery(query({ expr: '   ' }))).toBe(false);
      expect(ds.filterQuery({ refId: 'A' } as MemshapeQuery)).toBe(false);
      expect(ds.filterQuery(query({ expr: 'up', hide: true }))).toBe(false);
    });

    it('keeps queries with an expression', () => {
      expect(ds.filterQuery(query({ expr: 'process_resident_memory_bytes' }))).toBe(true);
    });
  });

  describe('applyTemplateVariables', () => {
    it('interpolates expr, limitExpr and legendFormat Prometheus-style and keeps the macros and other fields', () => {
      const result = ds.applyTemplateVariables(
        query({
          expr: 'rate(container_memory_working_set_bytes{namespace="$namespace",pod=~"$pod"}[$__rate_interval])',
          limitExpr: 'kube_pod_container_resource_limits{namespace="$namespace",pod=~"$pod"}',
          legendFormat: '{{pod}} in $namespace',
          limitBytes: 1024,
          sensitivity: 'high',
          output: 'verdicts',
          analysisWindow: '14d',
          alertValue: 'hours_to_limit',
        }),
        { __rate_interval: { text: '1m', value: '1m' } }
      );
      expect(result).toEqual({
        refId: 'A',
        expr: 'rate(container_memory_working_set_bytes{namespace="shop",pod=~"(api-1|api-7)"}[$__rate_interval])',
        limitExpr: 'kube_pod_container_resource_limits{namespace="shop",pod=~"(api-1|api-7)"}',
        legendFormat: '{{pod}} in shop',
        limitBytes: 1024,
        sensitivity: 'high',
        output: 'verdicts',
        analysisWindow: '14d',
        alertValue: 'hours_to_limit',
      });
    });

    it('leaves absent legendFormat and limitExpr absent', () => {
      const result = ds.applyTemplateVariables(query({ expr: 'up{namespace="$namespace"}' }), {});
      expect(result).toEqual({ refId: 'A', expr: 'up{namespace="shop"}' });
    });

    it('fills variables into the labels to judge by, one name per value', () => {
      const result = ds.applyTemplateVariables(
        query({ expr: 'up', groupBy: ['namespace', '$pod', '${namespace}'] }),
        {}
      );
      expect(result.groupBy).toEqual(['namespace', 'api-1', 'api-7', 'shop']);
      expect(ds.applyTemplateVariables(query({ expr: 'up', groupBy: 'workload' }), {}).groupBy).toBe('workload');
    });

    it('keeps the macros for a Datadog upstream too', () => {
      const datadog = new DataSource(settings({ upstream: 'datadog' }));
      const result = datadog.applyTemplateVariables(
        query({ expr: 'avg:system.mem.used{kube_namespace:$namespace}.rollup(avg, $__interval_ms)' }),
        { __interval_ms: { text: '60000', value: 60000 } }
      );
      expect(result.expr).toBe('avg:system.mem.used{kube_namespace:shop}.rollup(avg, $__interval_ms)');
    });
  });

  describe('dashboard variables', () => {
    const range = { from: dateTime(1_700_000_000_000), to: dateTime(1_700_086_400_000), raw: { from: '', to: '' } };

    function withResource(answer: unknown) {
      const source = new DataSource(settings());
      const getResource = jest.spyOn(source, 'getResource').mockResolvedValue(answer as never);
      return { source, getResource };
    }

    it('asks the variable resource with the interpolated query and the range in Unix seconds', async () => {
      const { source, getResource } = withResource([
        { text: 'api-1', value: 'api-1' },
        { text: 'api-7', value: 'api-7' },
      ]);
      const values = await source.metricFindQuery(
        { refId: 'v', query: 'label_values(container_memory_working_set_bytes{namespace="$namespace"}, pod)' },
        { range }
      );
      expect(getResource).toHaveBeenCalledWith('variable', {
        query: 'label_values(container_memory_working_set_bytes{namespace="shop"}, pod)',
        start: 1_700_000_000,
        end: 1_700_086_400,
      });
      expect(values).toEqual([
        { text: 'api-1', value: 'api-1' },
        { text: 'api-7', value: 'api-7' },
      ]);
    });

    it('gives the range macros their values (the resource does not interpolate them)', async () => {
      const { source, getResource } = withResource([]);
      await source.metricFindQuery('query_result(max_over_time(up[$__range]))', { range });
      expect(getResource).toHaveBeenCalledWith(
        'variable',
        expect.objectContaining({
          query: 'query_result(max_over_time(up[86400s]))',
        })
      );
    });

    it('asks nothing for an empty query', async () => {
      const { source, getResource } = withResource([]);
      expect(await source.metricFindQuery({ refId: 'v', query: '  ' })).toEqual([]);
      expect(getResource).not.toHaveBeenCalled();
    });

    it('passes the backend error on (e.g. unknown syntax)', async () => {
      const source = new DataSource(settings());
      jest.spyOn(source, 'getResource').mockRejectedValue(new Error('unknown variable query: use label_values(…)'));
      await expect(source.metricFindQuery('nonsense(')).rejects.toThrow('unknown variable query');
    });

    it('answers the variable query with a text/value frame through CustomVariableSupport', async () => {
      const { source } = withResource([
        { text: 'shop', value: 'shop' },
        { text: 'kube-system', value: 'kube-system' },
      ]);
      const request = {
        targets: [{ refId: 'v', query: 'label_values(kube_pod_info, namespace)' }],
        range,
        scopedVars: {},
      } as unknown as DataQueryRequest<MemshapeVariableQuery>;
      const variables = source.variables as unknown as {
        query(r: DataQueryRequest<MemshapeVariableQuery>): import('rxjs').Observable<{ data: any[] }>;
        editor: unknown;
      };
      expect(variables.editor).toBeDefined();
      const response = await lastValueFrom(variables.query(request));
      const frame = response.data[0];
      expect(frame.fields.map((f: { name: string }) => f.name)).toEqual(['text', 'value']);
      expect(frame.fields[0].values).toEqual(['shop', 'kube-system']);
      expect(frame.fields[1].values).toEqual(['shop', 'kube-system']);
    });
  });
});

describe('Explore, query history and ad hoc filters', () => {
  const ds = new DataSource(settings());
  const range = { from: dateTime(1_700_000_000_000), to: dateTime(1_700_086_400_000), raw: { from: '', to: '' } };
  // As Grafana hands them over: with fields of its own UI the backend has no use for.
  const filters = [
    { key: 'service', operator: '=|', value: 'leak-1', values: ['leak-1', 'trap'], origin: 'dashboard' },
    { key: 'shape', operator: '!=', value: 'a', keyLabel: 'shape', valueLabels: ['a'] },
  ] as AdHocVariableFilter[];

  it('implements the optional methods Grafana looks for, not the inherited defaults', () => {
    const api: DataSourceApi<MemshapeQuery> = ds;
    // DataSourceWithBackend's own interpolateVariablesInQueries drops the data source and Explore's filters.
    expect(api.interpolateVariablesInQueries).not.toBe(DataSourceWithBackend.prototype.interpolateVariablesInQueries);
    for (const method of ['getQueryDisplayText', 'getTagKeys', 'getTagValues'] as const) {
      expect(Object.prototype.hasOwnProperty.call(DataSource.prototype, method)).toBe(true);
    }
  });

  it('gives Explore the queries with the variables filled in, the filters along, and this data source named', () => {
    const [q] = ds.interpolateVariablesInQueries(
      [
        query({
          expr: 'container_memory_working_set_bytes{namespace="$namespace", pod=~"$pod"}[$__rate_interval]',
          limitExpr: 'kube_pod_container_resource_limits{namespace="$namespace"}',
          legendFormat: '{{pod}} in $namespace',
          interval: '$step',
          sensitivity: 'high',
        }),
      ],
      { step: { text: '5m', value: '5m' } },
      filters
    );
    expect(q).toEqual({
      refId: 'A',
      expr: 'container_memory_working_set_bytes{namespace="shop", pod=~"(api-1|api-7)"}[$__rate_interval]',
      limitExpr: 'kube_pod_container_resource_limits{namespace="shop"}',
      legendFormat: '{{pod}} in shop',
      interval: '5m',
      sensitivity: 'high',
      datasource: { type: 'memshape-memory-datasource', uid: 'memshape' },
      adhocFilters: [
        { key: 'service', operator: '=|', value: 'leak-1', values: ['leak-1', 'trap'] },
        { key: 'shape', operator: '!=', value: 'a' },
      ],
    });
  });

  it("sends a panel's query with the filters in the form the backend reads (pkg/plugin/testdata/adhoc-query.json)", () => {
    const sent = ds.applyTemplateVariables(
      query({
        expr: 'memshape_fixture_bytes{namespace="$namespace"}',
        limitExpr: 'max by (service) (memshape_fixture_limit_bytes)',
        output: 'verdicts',
      }),
      {},
      filters
    );
    const file = path.resolve(__dirname, '..', 'pkg', 'plugin', 'testdata', 'adhoc-query.json');
    const backend = JSON.parse(readFileSync(file, 'utf8'));
    // The Go test runs that file against a real Prometheus: the namespace variable is the dashboard's here.
    expect({ ...sent, expr: sent.expr.replace('shop', 'prod') }).toEqual(backend);
  });

  it('sends no filters when there are none, and each filter once', () => {
    expect(ds.applyTemplateVariables(query({ expr: 'up' }), {}, [])).toEqual({ refId: 'A', expr: 'up' });
    expect(ds.applyTemplateVariables(query({ expr: 'up' }), {})).not.toHaveProperty('adhocFilters');
    const carried = ds.applyTemplateVariables(
      query({ expr: 'up', adhocFilters: [{ key: 'shape', operator: '!=', value: 'a' }] }),
      {},
      filters
    );
    expect(carried.adhocFilters).toHaveLength(2);
  });

  it('lists the query and its options that are not at their defaults in one line for query history', () => {
    expect(ds.getQueryDisplayText(query({ expr: 'up' }))).toBe('up');
    expect(
      ds.getQueryDisplayText(
        query({
          expr: 'sum by (pod) (\n  container_memory_working_set_bytes\n)',
          legendFormat: '__auto',
          sensitivity: 'normal',
          output: 'all',
          analysisWindow: 'auto',
        })
      )
    ).toBe('sum by (pod) ( container_memory_working_set_bytes )');
    expect(
      ds.getQueryDisplayText(
        query({
          expr: 'up',
          limitBytes: 2 ** 31,
          limitExpr: 'kube_pod_container_resource_limits',
          sensitivity: 'high',
          analysisWindow: '14d',
          output: 'alert',
          alertValue: 'hours_to_limit',
          legendFormat: '{{pod}}',
          adhocFilters: [{ key: 'pod', operator: '=', value: 'x' }],
        })
      )
    ).toBe(
      'up · Legend: {{pod}} · Limit: 2GiB · Limit query: kube_pod_container_resource_limits · Sensitivity: High · ' +
        'Window: 14d · Output: Alert · Alert value: Hours to limit · Filters: pod = x'
    );
    expect(ds.getQueryDisplayText(query({ expr: 'up', output: 'series', interval: '1m' }))).toBe(
      'up · Output: Series · Min step: 1m'
    );
  });

  it('offers the upstream label names as keys, narrowed by the filters already set', async () => {
    const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue([
      { text: 'namespace', value: 'namespace' },
      { text: 'pod', value: 'pod' },
    ] as never);
    const options: DataSourceGetTagKeysOptions<MemshapeQuery> = { filters, timeRange: range };
    expect(await ds.getTagKeys(options)).toEqual([{ text: 'namespace' }, { text: 'pod' }]);
    expect(getResource).toHaveBeenCalledWith('tag-keys', {
      start: 1_700_000_000,
      end: 1_700_086_400,
      filters: JSON.stringify([
        { key: 'service', operator: '=|', value: 'leak-1', values: ['leak-1', 'trap'] },
        { key: 'shape', operator: '!=', value: 'a' },
      ]),
    });
  });

  it("offers a key's values, narrowed by the other filters", async () => {
    const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue([{ text: 'trap', value: 'trap' }] as never);
    expect(await ds.getTagValues({ key: 'service', filters, timeRange: range })).toEqual([{ text: 'trap' }]);
    expect(getResource).toHaveBeenCalledWith('tag-values', {
      key: 'service',
      start: 1_700_000_000,
      end: 1_700_086_400,
      filters: JSON.stringify([{ key: 'shape', operator: '!=', value: 'a' }]),
    });
  });

  it("Datadog: offers the tags of the dashboard's metrics", async () => {
    const datadog = new DataSource(settings({ upstream: 'datadog' }));
    const getResource = jest.spyOn(datadog, 'getResource').mockResolvedValue([] as never);
    await datadog.getTagKeys({
      filters: [],
      queries: [
        query({ expr: 'avg:kubernetes.memory.usage{*} by {pod_name}' }),
        query({ expr: 'avg:kubernetes.memory.limits{kube_namespace:shop} by {pod_name} / 2' }),
      ],
    });
    expect(getResource).toHaveBeenCalledWith('tag-keys', {
      metric: ['kubernetes.memory.usage', 'kubernetes.memory.limits'],
    });
  });
});

describe('DataSource variable errors', () => {
  it("reads the backend's message from a failed resource call", async () => {
    const source = new DataSource(settings());
    jest.spyOn(source, 'getResource').mockRejectedValue({
      status: 400,
      statusText: 'Bad Request',
      data: { message: 'unknown variable query "nonsense(": use label_values(metric, label), metrics(regex) …' },
    });
    await expect(source.metricFindQuery('nonsense(')).rejects.toThrow('unknown variable query "nonsense("');
  });
});
