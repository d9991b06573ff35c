import React, { ChangeEvent, useState } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Button, InlineField, Input, Stack, Text } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { MemshapeOptions, MemshapeQuery, MemshapeVariableQuery } from '../types';

export type Props = QueryEditorProps<DataSource, MemshapeQuery, MemshapeOptions, MemshapeVariableQuery>;

/** Clickable examples: each sets the query. */
export const VARIABLE_EXAMPLES: Array<{ query: string; description: string }> = [
  { query: 'label_values(kube_pod_info, namespace)', description: 'namespaces' },
  {
    query: 'label_values(container_memory_working_set_bytes{namespace="$namespace"}, pod)',
    description: 'pods of the chosen namespace',
  },
  { query: 'metrics(memory)', description: 'metric names matching a regex' },
];

/** The query of a dashboard variable backed by this data source. */
export function VariableQueryEditor({ query, onChange, datasource }: Props) {
  const [text, setText] = useState(query?.query ?? '');
  const datadog = datasource?.upstream === 'datadog';

  const commit = (value: string) => {
    setText(value);
    onChange({ ...query, refId: query?.refId ?? 'variable', query: value });
  };

  return (
    <Stack direction="column" gap={1}>
      <InlineField
        label="Query"
        labelWidth={14}
        htmlFor="memshape-variable-query"
        grow
        tooltip="label_values(metric, label), label_values(label), metrics(regex), query_result(expr) or a series selector"
      >
        <Input
          id="memshape-variable-query"
          value={text}
          placeholder="label_values(kube_pod_info, namespace)"
          onChange={(event: ChangeEvent<HTMLInputElement>) => setText(event.currentTarget.value)}
          onBlur={() => commit(text)}
        />
      </InlineField>
      {datadog ? (
        <Text color="warning">Variables need a Prometheus upstream: a Datadog data source cannot list values.</Text>
      ) : (
        <Stack direction="row" gap={1} wrap="wrap" alignItems="center">
          <Text color="secondary">Examples:</Text>
          {VARIABLE_EXAMPLES.map((example) => (
            <Button
              key={example.query}
              size="sm"
              variant="secondary"
              fill="outline"
              tooltip={example.description}
              onClick={() => commit(example.query)}
            >
              {example.query}
            </Button>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
