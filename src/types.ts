import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/** How eagerly the backend names a shape other than "healthy". */
export type Sensitivity = 'low' | 'normal' | 'high';

/**
 * Which frames a query returns:
 * - all: the original series, the overlays and the verdict table
 * - series: the original series and the overlays only
 * - verdicts: the verdict table only
 * - alert: one number per series (see AlertValue), labelled with the series' labels and `memshape_shape`;
 *   requests from alerting always get this output
 * - annotations: one event per jump, restart, leak onset and end of warm-up
 */
export type OutputMode = 'all' | 'series' | 'verdicts' | 'alert' | 'annotations';

/** The number the alert output gives for each series. */
/** Whose events the annotations output gives: every series, or only those whose shape is growth. */
export type AnnotateMode = 'all' | 'growing';

export type AlertValue = 'leak_confidence' | 'growth_confidence' | 'growth_bytes_per_hour' | 'hours_to_limit';

/** How far back the verdict looks, whatever the panel shows; `auto` is the data source's default. */
export type AnalysisWindow = 'auto' | '1d' | '3d' | '7d' | '14d' | '30d';

/** A data source's default analysis window (no `auto`). */
export type DefaultAnalysisWindow = Exclude<AnalysisWindow, 'auto'>;

/**
 * How the series are judged: `auto` pools a workload's pods, containers and restarts when the labels name them
 * (Kubernetes pod and container labels, Datadog's kube_* tags), `series` judges each series alone, `workload` always
 * pools by workload; a list of label names pools the series that share those labels' values.
 */
export type GroupMode = 'auto' | 'series' | 'workload';

/** Where the memory series come from. */
export type Upstream = 'prometheus' | 'datadog';

/**
 * Legend format: `__auto` (or empty) names each series by the labels that differ between the query's series,
 * `__verbatim` by `metric{a="b", …}`, anything else is a template such as `{{pod}}`.
 */
export const LEGEND_AUTO = '__auto';
export const LEGEND_VERBATIM = '__verbatim';

/** A Memory Shape query. The backend reads exactly these JSON names. */
export interface MemshapeQuery extends DataQuery {
  /** The upstream query: PromQL for Prometheus, a metrics query for Datadog. */
  expr: string;
  /** Legend format: `__auto`, `__verbatim` or a template such as "{{pod}}". */
  legendFormat?: string;
  /** The memory limit in bytes; 0 or undefined when unknown. */
  limitBytes?: number;
  /** A query whose series give each series' limit, matched by shared labels; overrides limitBytes where it matches. */
  limitExpr?: string;
  /** Defaults to "normal". */
  sensitivity?: Sensitivity;
  /** Defaults to "all". */
  output?: OutputMode;
  /** The number the alert output gives; defaults to "leak_confidence". */
  alertValue?: AlertValue;
  /** Defaults to "auto" (the data source's default window). */
  analysisWindow?: AnalysisWindow;
  /** For the annotations output: whose events; defaults to "all". */
  annotate?: AnnotateMode;
  /** How the series are pooled before they are judged; defaults to "auto". */
  groupBy?: GroupMode | string[];
  /** Min step of the panel's fetch, e.g. "1m" (Grafana's Prometheus calls it `interval` too); empty: the panel's. */
  interval?: string;
  /**
   * The dashboard's ad hoc filters, added by the frontend when the query runs (never saved with it); the backend
   * adds them to every selector (PromQL) or scope (Datadog) of the query and of its limit query.
   */
  adhocFilters?: AdhocFilter[];
}

/** An ad hoc filter as the backend reads it: Grafana's AdHocVariableFilter without its UI fields. */
export interface AdhocFilter {
  key: string;
  /** `=`, `!=`, `=~`, `!~`, `=|` (one of `values`) or `!=|` (none of them). */
  operator: string;
  value: string;
  values?: string[];
}

export const DEFAULT_QUERY: Partial<MemshapeQuery> = {
  expr: '',
  legendFormat: LEGEND_AUTO,
  sensitivity: 'normal',
  output: 'all',
  analysisWindow: 'auto',
};

/** A dashboard variable backed by the data source's `variable` resource. */
export interface MemshapeVariableQuery extends DataQuery {
  /**
   * Prometheus: `label_values(metric, label)`, `label_values(label)`, `label_names()`, `metrics(regex)`,
   * `query_result(expr)`, `workloads(selector)` or a selector. Datadog: `metrics(regex)`, `tag_values(key)`, `tag_values(metric, key)`.
   */
  query: string;
}

/**
 * Options configured for each data source instance (jsonData). Defined once, in Go (pkg/models JSONData and
 * GrafanaJSONData, each upstream's own JSONData), written to pkg/models/schema/v0alpha1/settings.json;
 * src/settingsSchema.test.ts holds these types and the config editor to it.
 * The Prometheus server URL is the standard data source `url` field; Grafana's standard HTTP fields (basicAuth,
 * tlsAuth, httpHeaderName1, oauthPassThru, keepCookies, timeout …) are written by @grafana/plugin-ui's editors.
 */
export interface MemshapeOptions extends DataSourceJsonData {
  /** Defaults to "prometheus". */
  upstream?: Upstream;
  /** The verdict's look-back for queries on `auto`; defaults to 7d. */
  analysisWindow?: DefaultAnalysisWindow;
  /** Prometheus scrape interval, e.g. "15s", for $__rate_interval; defaults to 15s. */
  timeInterval?: string;
  /** Upstream request timeout in seconds (written by AdvancedHttpSettings); defaults to 30. */
  timeout?: number;
  /** Defaults to POST. */
  httpMethod?: 'POST' | 'GET';
  /** The largest upstream answer the backend reads, in bytes; defaults to none for Prometheus (its answers stream and
   *  are held to maxQueryBytes), 256 MiB for Datadog (whose client reads an answer whole). */
  maxResponseBytes?: number;
  /** Ask the upstream for compressed answers; defaults to false for Prometheus (gzip costs it ~11× the CPU of the
   *  answer), true for Datadog. */
  compression?: boolean;
  /** The memory one query's decoded samples may take, in bytes; defaults to 1 GiB (~64,000 series of 7 days). */
  maxQueryBytes?: number;
  /** The most series one query may return; defaults to 200,000. */
  maxSeries?: number;
  /** The most points one query may return over all its series; defaults to 200,000,000. */
  maxPoints?: number;
  /** The byte budget of the data source's cache of samples; defaults to 512 MiB; 0 turns the cache off. */
  cacheBytes?: number;
  /** Split long range queries into shards of this length (e.g. "1d") fetched in parallel, for a query frontend
   *  (Mimir, Cortex, Thanos) that caches by day; unset: one request. */
  timeShard?: string;
  /** Sent as the X-Scope-OrgID header: the tenant of Mimir or Cortex. */
  tenant?: string;
  /** Thanos Querier's partial_response: true accepts answers some stores could not add to (with a warning), false
   *  makes them errors; unset leaves the querier's default. */
  partialResponse?: boolean;
  /** Datadog site such as "datadoghq.com" or "datadoghq.eu", or a full URL for a proxy. */
  datadogSite?: string;
  /** Standard Grafana HTTP fields this editor reads. */
  oauthPassThru?: boolean;
  tlsAuth?: boolean;
  tlsAuthWithCACert?: boolean;
  tlsSkipVerify?: boolean;
  serverName?: string;
  keepCookies?: string[];
}

export const DEFAULT_UPSTREAM: Upstream = 'prometheus';
export const DEFAULT_ANALYSIS_WINDOW: DefaultAnalysisWindow = '7d';
export const DEFAULT_TIME_INTERVAL = '15s';
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 2 ** 20;
export const DEFAULT_MAX_QUERY_BYTES = 2 ** 30;
export const DEFAULT_MAX_SERIES = 200_000;
export const DEFAULT_MAX_POINTS = 200_000_000;
export const DEFAULT_CACHE_BYTES = 512 * 2 ** 20;

/** Secrets: only sent to the backend, never returned to the browser (the settings schema's secureValues). */
export interface MemshapeSecureJsonData {
  /** Bearer token for Prometheus. */
  bearerToken?: string;
  basicAuthPassword?: string;
  tlsCACert?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
  datadogApiKey?: string;
  datadogAppKey?: string;
}
