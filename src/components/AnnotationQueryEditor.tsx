import React from 'react';
import { QueryEditorProps } from '@grafana/data';

import type { MemshapeDataSourceApi } from '../dataSourceApi';
import { MemshapeOptions, MemshapeQuery } from '../types';
import { QueryEditor } from './QueryEditor';

/** The annotation editor: the query editor whose output is always the events (jumps, restarts, leak onsets). */
export function AnnotationQueryEditor(props: QueryEditorProps<MemshapeDataSourceApi, MemshapeQuery, MemshapeOptions>) {
  return <QueryEditor {...props} annotationMode />;
}
