import { DataSourceInstanceSettings, PluginType } from '@grafana/data';

import { MemshapeOptions } from '../types';

/** Instance settings as Grafana hands them to the DataSource constructor, for tests. */
export function instanceSettings(
  jsonData: MemshapeOptions = { upstream: 'prometheus' }
): DataSourceInstanceSettings<MemshapeOptions> {
  return {
    uid: 'memshape',
    type: 'memshape-memory-datasource',
    name: 'Memory Shape',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: {
      id: 'memshape-memory-datasource',
      name: 'Memory Shape',
      type: PluginType.datasource,
      module: '',
      baseUrl: '',
      info: {
        author: { name: 'Memory Shape' },
        description: '',
        links: [],
        logos: { small: '', large: '' },
        screenshots: [],
        updated: '',
        version: '',
      },
    },
  };
}
