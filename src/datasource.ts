import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { DEFAULT_QUERY, DEFAULT_UPSTREAM, MemshapeOptions, MemshapeQuery, Upstream } from './types';

export class DataSource extends DataSourceWithBackend<MemshapeQuery, MemshapeOptions> {
  /** Where the memory series come from; the query editor adapts its hints to it. */
  readonly upstream: Upstream;

  constructor(instanceSettings: DataSourceInstanceSettings<MemshapeOptions>) {
    super(instanceSettings);
    this.upstream = instanceSettings.jsonData?.upstream ?? DEFAULT_UPSTREAM;
    // Backend queries can be used as annotation sources with the default annotation support.
    this.annotations = {};
  }

  getDefaultQuery(_: CoreApp): Partial<MemshapeQuery> {
    return DEFAULT_QUERY;
  }

  applyTemplateVariables(query: MemshapeQuery, scopedVars: ScopedVars): MemshapeQuery {
    const templateSrv = getTemplateSrv();
    return {
      ...query,
      expr: templateSrv.replace(query.expr ?? '', scopedVars),
      legendFormat: query.legendFormat === undefined ? undefined : templateSrv.replace(query.legendFormat, scopedVars),
    };
  }

  filterQuery(query: MemshapeQuery): boolean {
    // Without an upstream expression there is nothing to analyse.
    return !query.hide && !!query.expr?.trim();
  }
}
