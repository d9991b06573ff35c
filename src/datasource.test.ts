import { CoreApp, DataQueryRequest, dateTime } from '@grafana/data';
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
