import { DataSourceApi, LegacyMetricFindQueryOptions, MetricFindValue } from '@grafana/data';

import type { PromResources } from './resources';
import { MemshapeOptions, MemshapeQuery, MemshapeVariableQuery, Upstream } from './types';

/**
 * What the editors and the variable support read of the data source. The DataSource class (datasource.ts)
 * implements it; they import this, not the class, which imports them: no import circle.
 */
export interface MemshapeDataSourceApi extends DataSourceApi<MemshapeQuery, MemshapeOptions> {
  /** Where the memory series come from: a key of the upstream table (upstreams.ts). */
  readonly upstream: Upstream;
  /** The backend's resources (labels, values, metric names, tags, variables), for completion. */
  readonly resources: PromResources;
  /** Values for a dashboard variable, from the backend's `variable` resource. */
  metricFindQuery(
    query: MemshapeVariableQuery | string,
    options?: LegacyMetricFindQueryOptions
  ): Promise<MetricFindValue[]>;
}
