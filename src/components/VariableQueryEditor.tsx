import React, { ChangeEvent, useState } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Button, InlineField, Input, Stack, Text } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { MemshapeOptions, MemshapeQuery, MemshapeVariableQuery } from '../types';

export type Props = QueryEditorProps<DataSource, MemshapeQuery, MemshapeOptions, MemshapeVariableQuery>;

/** Clickable examples for a Prometheus data source: each sets the query. */
export const VARIABLE_EXAMPLES: Array<{ query: string; description: string }> = [
  { query: 'label_values(kube_pod_info, namespace)', description: 'namespaces' },
  {
    query: 'label_values(container_memory_working_set_bytes{namespace="$namespace"}, pod)',
    description: 'pods of the chosen namespace',
  },
  { query: 'label_names()', description: 'label names, e.g. for a "group by" variable' },
  { query: 'metrics(memory)', description: 'metric names matching a regex' },
];

/** Clickable examples for a Datadog data source. */
export const DATADOG_VARIABLE_EXAMPLES: Array<{ query: string; description: string }> = [
  { query: 'metrics(^kubernetes\\.memory)', description: 'metric names matching a regex' },
  { query: 'tag_values(kubernetes.memory.usage, kube_namespace)', description: "values of one of a metric's tags" },
  { query: 'tag_values(env)', description: "values of one of the hosts' tags" },
];

/** The query of a dashboard variable backed by this data source. */
export function VariableQueryEditor({ query, onChange, datasource }: Props) {
  const [text, setText] = useState(query?.query ?? '');
  const datadog = datasource?.upstream === 'datadog';
  const examples = datadog ? DATADOG_VARIABLE_EXAMPLES : VARIABLE_EXAMPLES;

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
        tooltip={
          datadog
            ? "metrics(regex), tag_values(key) (from the hosts' tags) or tag_values(metric, key)"
            : 'label_values(metric, label), label_values(label), label_names(), metrics(regex), query_result(expr), workloads(selector) — the Kubernetes workloads of its pods, for pod=~"$__workloadPods($workload)" — or a series selector'
        }
      >
        <Input
          id="memshape-variable-query"
          value={text}
          placeholder={
            datadog ? 'tag_values(kubernetes.memory.usage, kube_namespace)' : 'label_values(kube_pod_info, namespace)'
          }
          onChange={(event: ChangeEvent<HTMLInputElement>) => setText(event.currentTarget.value)}
          onBlur={() => commit(text)}
        />
      </InlineField>
      <Stack direction="row" gap={1} wrap="wrap" alignItems="center">
        <Text color="secondary">Examples:</Text>
        {examples.map((example) => (
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
    </Stack>
  );
}
