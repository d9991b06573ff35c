import { CustomVariableSupport, DataQueryRequest, DataQueryResponse, FieldType, toDataFrame } from '@grafana/data';
import { from, map, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { MemshapeDataSourceApi } from './dataSourceApi';
import { MemshapeVariableQuery } from './types';

/**
 * Dashboard variables backed by the backend's `variable` resource: `label_values(metric, label)`,
 * `label_values(label)`, `metrics(regex)`, `query_result(expr)`, `workloads(selector)` or a bare selector. Answers one frame with `text`
 * and `value` fields, which Grafana (11 to 13, scenes or not) reads as the variable's options.
 */
export class MemshapeVariableSupport extends CustomVariableSupport<MemshapeDataSourceApi, MemshapeVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: MemshapeDataSourceApi) {
    super();
  }

  getDefaultQuery(): Partial<MemshapeVariableQuery> {
    return { query: '' };
  }

  query(request: DataQueryRequest<MemshapeVariableQuery>): Observable<DataQueryResponse> {
    const target = request.targets[0];
    // Variables saved by hand or by an older editor may hold the query as a plain string.
    const query = typeof target === 'string' ? target : (target?.query ?? '');
    return from(this.datasource.metricFindQuery(query, { range: request.range, scopedVars: request.scopedVars })).pipe(
      map((values) => ({
        data: [
          toDataFrame({
            refId: target?.refId ?? 'variable',
            fields: [
              { name: 'text', type: FieldType.string, values: values.map((v) => String(v.text)) },
              { name: 'value', type: FieldType.string, values: values.map((v) => String(v.value ?? v.text)) },
            ],
          }),
        ],
      }))
    );
  }
}
