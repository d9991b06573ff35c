import { TimeRange } from '@grafana/data';

import { AdhocFilter } from './types';

/** What the resources need from the data source: DataSourceWithBackend.getResource. */
export interface ResourceFetcher {
  getResource<T = unknown>(path: string, params?: Record<string, unknown>): Promise<T>;
}

/** Prometheus' API envelope, which the backend's resources pass on unchanged. */
interface PromEnvelope<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

/** One entry of /api/v1/metadata. */
export interface MetricMetadata {
  type?: string;
  help?: string;
  unit?: string;
}

/** A value for a dashboard variable, as the `variable` resource answers it. */
export interface VariableValue {
  text: string;
  value: string;
}

function unwrap<T>(envelope: PromEnvelope<T> | undefined, what: string): T {
  if (!envelope || envelope.status !== 'success' || envelope.data === undefined) {
    const reason = envelope?.error ?? 'no data in the answer';
    throw new Error(`${what}: ${reason}`);
  }
  return envelope.data;
}

/** Unix seconds, as Prometheus' API reads start and end. */
function rangeParams(range?: TimeRange): Record<string, number> {
  if (!range) {
    return {};
  }
  return { start: Math.floor(range.from.valueOf() / 1000), end: Math.ceil(range.to.valueOf() / 1000) };
}

/** The query string of the ad hoc filter routes: the other filters, the range, the Datadog metrics. */
function tagParams(filters: AdhocFilter[], range?: TimeRange, metrics: string[] = []): Record<string, unknown> {
  return {
    ...rangeParams(range),
    ...(filters.length ? { filters: JSON.stringify(filters) } : {}),
    ...(metrics.length ? { metric: metrics } : {}),
  };
}

function values(answer: unknown, what: string): string[] {
  if (!Array.isArray(answer)) {
    throw new Error(`${what}: the answer is not a list`);
  }
  return answer.map((v) => (typeof v === 'string' ? v : String((v as VariableValue).text)));
}

/**
 * The backend's resources: its proxy of Prometheus' label, series and metadata APIs (CallResource `api/v1/*`) and
 * Datadog's metric and tag listings (`datadog/*`), used by the code editors' completion; the ad hoc filters' keys
 * and values (`tag-keys`, `tag-values`, either upstream); and the `variable` resource of dashboard variables.
 */
export class PromResources {
  constructor(private readonly fetcher: ResourceFetcher) {}

  /** Label names, of the series that match `match` when given. */
  async labelNames(match?: string, range?: TimeRange): Promise<string[]> {
    const params = { ...rangeParams(range), ...(match ? { 'match[]': match } : {}) };
    return unwrap(await this.fetcher.getResource<PromEnvelope<string[]>>('api/v1/labels', params), 'label names');
  }

  /** Values of one label (`__name__` gives metric names), of the series that match `match` when given. */
  async labelValues(label: string, match?: string, range?: TimeRange): Promise<string[]> {
    const params = { ...rangeParams(range), ...(match ? { 'match[]': match } : {}) };
    const path = `api/v1/label/${encodeURIComponent(label)}/values`;
    return unwrap(await this.fetcher.getResource<PromEnvelope<string[]>>(path, params), `values of ${label}`);
  }

  /** The label sets of the series that match a selector. */
  async series(match: string, range?: TimeRange): Promise<Array<Record<string, string>>> {
    const params = { ...rangeParams(range), 'match[]': match };
    return unwrap(
      await this.fetcher.getResource<PromEnvelope<Array<Record<string, string>>>>('api/v1/series', params),
      'series'
    );
  }

  /** Type, help and unit per metric name (all metrics, or one). */
  async metadata(metric?: string, limit?: number): Promise<Record<string, MetricMetadata[]>> {
    const params = { ...(metric ? { metric } : {}), ...(limit ? { limit } : {}) };
    return unwrap(
      await this.fetcher.getResource<PromEnvelope<Record<string, MetricMetadata[]>>>('api/v1/metadata', params),
      'metadata'
    );
  }

  /**
   * Keys an ad hoc filter can use: Prometheus' label names of the series the other filters select, or the tag keys of
   * the Datadog metrics named (of the hosts without one).
   */
  async tagKeys(filters: AdhocFilter[], range?: TimeRange, metrics?: string[]): Promise<string[]> {
    return values(await this.fetcher.getResource('tag-keys', tagParams(filters, range, metrics)), 'tag keys');
  }

  /** Values an ad hoc filter on `key` can take, narrowed by the other filters (Prometheus). */
  async tagValues(key: string, filters: AdhocFilter[], range?: TimeRange, metrics?: string[]): Promise<string[]> {
    const params = { key, ...tagParams(filters, range, metrics) };
    return values(await this.fetcher.getResource('tag-values', params), `values of ${key}`);
  }

  /** Datadog: the metrics reporting in the range (the last day without one). */
  async datadogMetrics(range?: TimeRange): Promise<string[]> {
    return values(await this.fetcher.getResource('datadog/metrics', rangeParams(range)), 'Datadog metrics');
  }

  /** Datadog: a metric's tags (`key:value`), or the hosts' tags without a metric. */
  async datadogTags(metric?: string, range?: TimeRange): Promise<string[]> {
    const params = { ...rangeParams(range), ...(metric ? { metric } : {}) };
    return values(await this.fetcher.getResource('datadog/tags', params), 'Datadog tags');
  }

  /** The values of a dashboard variable query such as `label_values(kube_pod_info, namespace)`. */
  async variable(query: string, range?: TimeRange): Promise<VariableValue[]> {
    const values = await this.fetcher.getResource<VariableValue[]>('variable', { query, ...rangeParams(range) });
    if (!Array.isArray(values)) {
      throw new Error('variable: the answer is not a list of values');
    }
    return values;
  }
}
