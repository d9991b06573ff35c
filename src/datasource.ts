import {
  AnnotationQuery,
  CoreApp,
  DataSourceInstanceSettings,
  getDefaultTimeRange,
  LegacyMetricFindQueryOptions,
  MetricFindValue,
  ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { interpolatePromQL, interpolateQuery, rangeScopedVars } from './interpolate';
import { PromResources } from './resources';
import {
  DEFAULT_QUERY,
  DEFAULT_UPSTREAM,
  MemshapeOptions,
  MemshapeQuery,
  MemshapeVariableQuery,
  OutputMode,
  Upstream,
} from './types';
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

export class DataSource extends DataSourceWithBackend<MemshapeQuery, MemshapeOptions> {
  /** Where the memory series come from; the editors adapt to it. */
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
   * Template variables in the query, the limit query and the legend. PromQL texts get Grafana's Prometheus
   * formatting (multi-value and All regex-escaped, joined with `|`); the backend's macros ($__interval,
   * $__rate_interval, $__range …) stay for the backend, so panels and alert rules read the same query.
   */
  applyTemplateVariables(query: MemshapeQuery, scopedVars: ScopedVars): MemshapeQuery {
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
    return interpolated;
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
    if (this.upstream === 'prometheus') {
      return interpolatePromQL(getTemplateSrv(), text, scopedVars);
    }
    // Datadog: Grafana's own formatting of values, the macros still left to the backend.
    return interpolateQuery(getTemplateSrv(), text, scopedVars);
  }
}
