import {
  AdHocVariableFilter,
  AnnotationQuery,
  CoreApp,
  DataSourceGetTagKeysOptions,
  DataSourceGetTagValuesOptions,
  DataSourceInstanceSettings,
  getDefaultTimeRange,
  LegacyMetricFindQueryOptions,
  MetricFindValue,
  ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { MemshapeDataSourceApi } from './dataSourceApi';
import { interpolatePromQL, rangeScopedVars } from './interpolate';
import { queryDisplayText } from './options';
import { PromResources } from './resources';
import {
  AdhocFilter,
  DEFAULT_QUERY,
  DEFAULT_UPSTREAM,
  MemshapeOptions,
  MemshapeQuery,
  MemshapeVariableQuery,
  OutputMode,
  Upstream,
} from './types';
import { upstreamSpec } from './upstreams';
import { MemshapeVariableSupport } from './variables';

/** The query an alert rule starts from: one number per series, the leak's confidence. */
export const ALERT_DEFAULT_QUERY: Partial<MemshapeQuery> = {
  ...DEFAULT_QUERY,
  output: 'alert',
  alertValue: 'leak_confidence',
};

/** The query an annotation starts from: one event per jump, restart, leak onset and end of warm-up. */
export const ANNOTATION_DEFAULT_QUERY: Partial<MemshapeQuery> = { ...DEFAULT_QUERY, output: 'annotations' };

const ANNOTATIONS: OutputMode = 'annotations';

/** Grafana's ad hoc filters as the backend reads them (the UI's own fields left out). */
export function toAdhocFilters(filters?: AdHocVariableFilter[]): AdhocFilter[] {
  return (filters ?? [])
    .filter((f) => f.key)
    .map(({ key, operator, value, values }) => ({
      key,
      operator,
      value: value ?? '',
      ...((operator === '=|' || operator === '!=|') && values?.length ? { values } : {}),
    }));
}

export class DataSource extends DataSourceWithBackend<MemshapeQuery, MemshapeOptions> implements MemshapeDataSourceApi {
  /** Where the memory series come from; the editors and this class read its entry of the upstream table. */
  readonly upstream: Upstream;
  /** The backend's Prometheus API proxy (labels, values, series, metadata, variables). */
  readonly resources: PromResources;

  constructor(instanceSettings: DataSourceInstanceSettings<MemshapeOptions>) {
    super(instanceSettings);
    this.upstream = instanceSettings.jsonData?.upstream ?? DEFAULT_UPSTREAM;
    this.resources = new PromResources(this);
    // Annotations: the backend's `annotations` output is one table frame with time, timeEnd, title, text and tags,
    // the fields Grafana's standard frame-to-event mapping reads, so no processEvents of our own.
    this.annotations = {
      QueryEditor: AnnotationQueryEditor,
      getDefaultQuery: () => ANNOTATION_DEFAULT_QUERY,
      // Whatever output an annotation's query was saved with, it asks for events.
      prepareQuery: (annotation: AnnotationQuery<MemshapeQuery>) =>
        annotation.target ? { ...annotation.target, output: ANNOTATIONS } : undefined,
    };
    this.variables = new MemshapeVariableSupport(this);
  }

  getDefaultQuery(app: CoreApp): Partial<MemshapeQuery> {
    return app === CoreApp.UnifiedAlerting ? ALERT_DEFAULT_QUERY : DEFAULT_QUERY;
  }

  filterQuery(query: MemshapeQuery): boolean {
    // Without an upstream expression there is nothing to analyse.
    return !query.hide && !!query.expr?.trim();
  }

  /**
   * Template variables in the query, the limit query, the legend, the min step and the labels to judge by. PromQL texts get Grafana's
   * Prometheus formatting (multi-value and All regex-escaped, joined with `|`); the backend's macros ($__interval,
   * $__rate_interval, $__range …) stay for the backend, so panels and alert rules read the same query. The
   * dashboard's ad hoc filters go along in `adhocFilters`: the backend adds them to every selector (PromQL) or scope
   * (Datadog) of the query and of its limit query.
   */
  applyTemplateVariables(query: MemshapeQuery, scopedVars: ScopedVars, filters?: AdHocVariableFilter[]): MemshapeQuery {
    const templateSrv = getTemplateSrv();
    const interpolated: MemshapeQuery = {
      ...query,
      expr: this.interpolateExpr(query.expr ?? '', scopedVars),
    };
    if (query.limitExpr !== undefined) {
      interpolated.limitExpr = this.interpolateExpr(query.limitExpr, scopedVars);
    }
    if (query.legendFormat !== undefined) {
      interpolated.legendFormat = templateSrv.replace(query.legendFormat, scopedVars);
    }
    if (query.interval) {
      interpolated.interval = templateSrv.replace(query.interval, scopedVars);
    }
    if (Array.isArray(query.groupBy)) {
      // A variable may hold several label names (multi-value, or "a,b").
      interpolated.groupBy = query.groupBy.flatMap((name) =>
        templateSrv
          .replace(name, scopedVars, (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value)))
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)
      );
    }
    const adhoc = toAdhocFilters(filters);
    if (adhoc.length) {
      const own = query.adhocFilters ?? [];
      const same = (a: AdhocFilter, b: AdhocFilter) => JSON.stringify(a) === JSON.stringify(b);
      interpolated.adhocFilters = [...own, ...adhoc.filter((f) => !own.some((o) => same(o, f)))];
    }
    return interpolated;
  }

  /**
   * What "Explore" and "Copy to alert rule" take from a panel: its queries with the dashboard's variables and ad hoc
   * filters applied and this data source named, as Grafana's Prometheus data source does.
   */
  interpolateVariablesInQueries(
    queries: MemshapeQuery[],
    scopedVars: ScopedVars,
    filters?: AdHocVariableFilter[]
  ): MemshapeQuery[] {
    return queries.map((query) => ({
      ...this.applyTemplateVariables(query, scopedVars, filters),
      datasource: this.getRef(),
    }));
  }

  /** Query history and the inspector: the expression and the options that are not at their defaults, in one line. */
  getQueryDisplayText(query: MemshapeQuery): string {
    return queryDisplayText(query);
  }

  /** Ad hoc filters: the keys, narrowed by the filters already set (Prometheus), from the upstream's labels or tags. */
  async getTagKeys(options?: DataSourceGetTagKeysOptions<MemshapeQuery>): Promise<MetricFindValue[]> {
    const keys = await this.resources.tagKeys(
      toAdhocFilters(options?.filters),
      options?.timeRange,
      this.adhocMetrics(options?.queries)
    );
    return keys.map((text) => ({ text }));
  }

  /** Ad hoc filters: the values of one key, narrowed by the other filters (Prometheus). */
  async getTagValues(options: DataSourceGetTagValuesOptions<MemshapeQuery>): Promise<MetricFindValue[]> {
    const others = toAdhocFilters(options.filters).filter((f) => f.key !== options.key);
    const values = await this.resources.tagValues(
      options.key,
      others,
      options.timeRange,
      this.adhocMetrics(options.queries)
    );
    return values.map((text) => ({ text }));
  }

  /**
   * The metrics of the dashboard's queries whose tags the ad hoc filters offer (Datadog: the hosts' without them);
   * undefined for an upstream that offers its own labels whatever the queries.
   */
  private adhocMetrics(queries?: MemshapeQuery[]): string[] | undefined {
    const metricsOf = upstreamSpec(this.upstream).query.adhocMetrics;
    if (!metricsOf || !queries) {
      return undefined;
    }
    return [...new Set(queries.flatMap((q) => metricsOf(q.expr ?? '')))];
  }

  /** Values for a dashboard variable, from the backend's `variable` resource. */
  async metricFindQuery(
    query: MemshapeVariableQuery | string,
    options?: LegacyMetricFindQueryOptions
  ): Promise<MetricFindValue[]> {
    const text = (typeof query === 'string' ? query : (query?.query ?? '')).trim();
    if (!text) {
      return [];
    }
    const range = options?.range ?? getDefaultTimeRange();
    // The variable resource is not interpolated by the backend: the range macros get their values here.
    const scopedVars = { ...options?.scopedVars, ...rangeScopedVars(range) };
    const expanded = interpolatePromQL(getTemplateSrv(), text, scopedVars, false);
    try {
      const values = await this.resources.variable(expanded, range);
      return values.map(({ text, value }) => ({ text, value }));
    } catch (error) {
      // The backend's message (e.g. the accepted forms for unknown syntax), not "Bad Request".
      const message = (error as { data?: { message?: string } })?.data?.message;
      throw message ? new Error(message) : error;
    }
  }

  private interpolateExpr(text: string, scopedVars: ScopedVars): string {
    return upstreamSpec(this.upstream).query.interpolate(getTemplateSrv(), text, scopedVars);
  }
}
