import React, { ChangeEvent, useState } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Button, InlineField, Input, Stack, Text } from '@grafana/ui';

import type { MemshapeDataSourceApi } from '../dataSourceApi';
import { MemshapeOptions, MemshapeQuery, MemshapeVariableQuery } from '../types';
import { upstreamSpec } from '../upstreams';

export type Props = QueryEditorProps<MemshapeDataSourceApi, MemshapeQuery, MemshapeOptions, MemshapeVariableQuery>;

/** The query of a dashboard variable backed by this data source. */
export function VariableQueryEditor({ query, onChange, datasource }: Props) {
  const [text, setText] = useState(query?.query ?? '');
  const { tooltip, placeholder, examples } = upstreamSpec(datasource?.upstream).variable;

  const commit = (value: string) => {
    setText(value);
    onChange({ ...query, refId: query?.refId ?? 'variable', query: value });
  };

  return (
    <Stack direction="column" gap={1}>
      <InlineField label="Query" labelWidth={14} htmlFor="memshape-variable-query" grow tooltip={tooltip}>
        <Input
          id="memshape-variable-query"
          value={text}
          placeholder={placeholder}
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
