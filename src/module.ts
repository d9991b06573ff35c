import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { MemshapeOptions, MemshapeQuery } from './types';

export const plugin = new DataSourcePlugin<DataSource, MemshapeQuery, MemshapeOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
