import React, { ChangeEvent, useState } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup, Stack, TextArea } from '@grafana/ui';

import { formatBytes, parseBytes } from '../bytes';
import { DataSource } from '../datasource';
import { MemshapeOptions, MemshapeQuery, OutputMode, Sensitivity } from '../types';

export type Props = QueryEditorProps<DataSource, MemshapeQuery, MemshapeOptions>;

const LABEL_WIDTH = 18;

const SENSITIVITY_OPTIONS: Array<{ label: string; value: Sensitivity; description: string }> = [
  { label: 'Low', value: 'low', description: 'Name a shape only when the evidence is strong' },
  { label: 'Normal', value: 'normal', description: 'Balanced (default)' },
  { label: 'High', value: 'high', description: 'Name a shape early, at the cost of more false alarms' },
];

const OUTPUT_OPTIONS: Array<{ label: string; value: OutputMode; description: string }> = [
  { label: 'All', value: 'all', description: 'Original series, overlays and the verdict table' },
  { label: 'Series', value: 'series', description: 'Original series and overlays only' },
  { label: 'Verdicts', value: 'verdicts', description: 'The verdict table only' },
  {
    label: 'Alert',
    value: 'alert',
    description: 'One number per series for alert rules: the confidence of a leak, fragmentation or bloat, else 0',
  },
];

const limitText = (bytes?: number) => (bytes ? formatBytes(bytes) : '');

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const upstream = datasource?.upstream ?? 'prometheus';
  const [limit, setLimit] = useState(limitText(query.limitBytes));
  const [limitError, setLimitError] = useState<string | undefined>();

  // Follow outside changes of the limit (e.g. a query loaded from a dashboard), keeping what the user typed
  // when it already means the same number of bytes.
  const [seenLimitBytes, setSeenLimitBytes] = useState(query.limitBytes);
  if (query.limitBytes !== seenLimitBytes) {
    setSeenLimitBytes(query.limitBytes);
    if (parseBytes(limit) !== (query.limitBytes || undefined)) {
      setLimit(limitText(query.limitBytes));
    }
  }

  const onLimitBlur = () => {
    const text = limit.trim();
    if (text === '') {
      setLimitError(undefined);
      if (query.limitBytes) {
        onChange({ ...query, limitBytes: undefined });
        onRunQuery();
      }
      return;
    }
    const bytes = parseBytes(text);
    if (bytes === undefined) {
      setLimitError('Not a size. Use e.g. 2GiB, 512MiB or 1.5e9.');
      return;
    }
    setLimitError(undefined);
    if (bytes !== query.limitBytes) {
      onChange({ ...query, limitBytes: bytes });
      onRunQuery();
    }
  };

  return (
    <Stack direction="column" gap={0}>
      <InlineField
        label="Query"
        labelWidth={LABEL_WIDTH}
        htmlFor={`memshape-expr-${query.refId}`}
        tooltip={
          upstream === 'datadog'
            ? 'Datadog metrics query returning memory in bytes, e.g. avg:container.memory.usage{service:api} by {pod_name}'
            : 'PromQL returning memory in bytes, e.g. container_memory_working_set_bytes{namespace="prod"}'
        }
        grow
      >
        <TextArea
          id={`memshape-expr-${query.refId}`}
          rows={2}
          value={query.expr ?? ''}
          placeholder={
            upstream === 'datadog'
              ? 'avg:container.memory.usage{service:api} by {pod_name}'
              : 'process_resident_memory_bytes{job="api"}'
          }
          onChange={(event: ChangeEvent<HTMLTextAreaElement>) => onChange({ ...query, expr: event.target.value })}
          onBlur={onRunQuery}
        />
      </InlineField>
      <InlineFieldRow>
        <InlineField
          label="Legend"
          labelWidth={LABEL_WIDTH}
          htmlFor={`memshape-legend-${query.refId}`}
          tooltip="Series name template, e.g. {{pod}}. Leave empty for the default."
        >
          <Input
            id={`memshape-legend-${query.refId}`}
            width={24}
            placeholder="{{pod}}"
            value={query.legendFormat ?? ''}
            onChange={(event: ChangeEvent<HTMLInputElement>) =>
              onChange({ ...query, legendFormat: event.target.value })
            }
            onBlur={onRunQuery}
          />
        </InlineField>
        <InlineField
          label="Memory limit"
          labelWidth={16}
          htmlFor={`memshape-limit-${query.refId}`}
          tooltip="The memory limit of what you measure, e.g. 2GiB, 512MiB or 1.5e9 bytes. Used to estimate time to exhaustion. Leave empty if unknown."
          invalid={!!limitError}
          error={limitError}
        >
          <Input
            id={`memshape-limit-${query.refId}`}
            width={16}
            placeholder="unknown"
            value={limit}
            onChange={(event: ChangeEvent<HTMLInputElement>) => setLimit(event.target.value)}
            onBlur={onLimitBlur}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label="Sensitivity"
          labelWidth={LABEL_WIDTH}
          tooltip="How eagerly a shape other than healthy is named."
        >
          <RadioButtonGroup<Sensitivity>
            aria-label="Sensitivity"
            options={SENSITIVITY_OPTIONS}
            value={query.sensitivity ?? 'normal'}
            onChange={(sensitivity) => {
              onChange({ ...query, sensitivity });
              onRunQuery();
            }}
          />
        </InlineField>
        <InlineField label="Output" labelWidth={16} tooltip="Which frames the query returns.">
          <RadioButtonGroup<OutputMode>
            aria-label="Output"
            options={OUTPUT_OPTIONS}
            value={query.output ?? 'all'}
            onChange={(output) => {
              onChange({ ...query, output });
              onRunQuery();
            }}
          />
        </InlineField>
      </InlineFieldRow>
    </Stack>
  );
}
