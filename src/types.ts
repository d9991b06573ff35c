import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/** How eagerly the backend names a shape other than "healthy". */
export type Sensitivity = 'low' | 'normal' | 'high';

/**
 * Which frames a query returns:
 * - all: the original series, the overlays and the verdict table
 * - series: the original series and the overlays only
 * - verdicts: the verdict table only
 */
/**
 * 'alert': one number per series (the confidence of a growth shape, else 0)
 * labelled with the series' labels and `shape` — what alert rules and
 * server-side expressions need.
 */
export type OutputMode = 'all' | 'series' | 'verdicts' | 'alert';

/** Where the memory series come from. */
export type Upstream = 'prometheus' | 'datadog';

/** A Memory Shape query. The backend reads exactly these JSON names. */
export interface MemshapeQuery extends DataQuery {
  /** The upstream query: PromQL for Prometheus, a metrics query for Datadog. */
  expr: string;
  /** Legend format, e.g. "{{pod}}". */
  legendFormat?: string;
  /** The memory limit in bytes; 0 or undefined when unknown. */
  limitBytes?: number;
  /** Defaults to "normal". */
  sensitivity?: Sensitivity;
  /** Defaults to "all". */
  output?: OutputMode;
}

export const DEFAULT_QUERY: Partial<MemshapeQuery> = {
  expr: '',
  sensitivity: 'normal',
  output: 'all',
};

/**
 * Options configured for each data source instance (jsonData).
 * The Prometheus server URL is the standard data source `url` field.
 */
export interface MemshapeOptions extends DataSourceJsonData {
  /** Defaults to "prometheus". */
  upstream?: Upstream;
  /** Datadog site such as "datadoghq.com" or "datadoghq.eu", or a full URL for a proxy. */
  datadogSite?: string;
  /** Timeout for upstream requests, in seconds. */
  timeoutSeconds?: number;
}

export const DEFAULT_UPSTREAM: Upstream = 'prometheus';

/** Secrets: only sent to the backend, never returned to the browser. */
export interface MemshapeSecureJsonData {
  /** Bearer token for Prometheus. */
  bearerToken?: string;
  datadogApiKey?: string;
  datadogAppKey?: string;
}
