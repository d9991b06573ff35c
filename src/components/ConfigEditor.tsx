import React, { ChangeEvent } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { InlineField, Input, RadioButtonGroup, SecretInput, Stack } from '@grafana/ui';

import { DEFAULT_UPSTREAM, MemshapeOptions, MemshapeSecureJsonData, Upstream } from '../types';

export interface Props extends DataSourcePluginOptionsEditorProps<MemshapeOptions, MemshapeSecureJsonData> {}

type SecretKey = keyof MemshapeSecureJsonData;

const LABEL_WIDTH = 22;
const INPUT_WIDTH = 48;

const UPSTREAM_OPTIONS: Array<{ label: string; value: Upstream; description: string }> = [
  { label: 'Prometheus', value: 'prometheus', description: 'Query a Prometheus-compatible server with PromQL' },
  { label: 'Datadog', value: 'datadog', description: 'Query Datadog metrics with the Datadog API' },
];

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const upstream = jsonData.upstream ?? DEFAULT_UPSTREAM;

  const setJsonData = (patch: Partial<MemshapeOptions>) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });
  };

  // Secrets are write-only: the typed value goes to secureJsonData and is never shown again.
  const setSecret = (key: SecretKey) => (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({
      ...options,
      secureJsonData: { ...options.secureJsonData, [key]: event.target.value },
    });
  };

  const resetSecret = (key: SecretKey) => () => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...options.secureJsonFields, [key]: false },
      secureJsonData: { ...options.secureJsonData, [key]: '' },
    });
  };

  const secretProps = (key: SecretKey) => ({
    isConfigured: !!secureJsonFields?.[key],
    onChange: setSecret(key),
    onReset: resetSecret(key),
  });

  const onTimeoutChange = (event: ChangeEvent<HTMLInputElement>) => {
    const text = event.target.value.trim();
    const seconds = Number(text);
    setJsonData({ timeoutSeconds: text === '' || !Number.isFinite(seconds) || seconds <= 0 ? undefined : seconds });
  };

  return (
    <Stack direction="column" gap={1}>
      <InlineField
        label="Upstream"
        labelWidth={LABEL_WIDTH}
        tooltip="Where the memory series come from. Memory Shape runs your query there and analyses the result."
      >
        <RadioButtonGroup<Upstream>
          aria-label="Upstream"
          options={UPSTREAM_OPTIONS}
          value={upstream}
          onChange={(value) => setJsonData({ upstream: value })}
        />
      </InlineField>

      {upstream === 'prometheus' && (
        <>
          <InlineField
            label="Prometheus URL"
            labelWidth={LABEL_WIDTH}
            htmlFor="memshape-prometheus-url"
            tooltip="Base URL of the Prometheus server (or a compatible API such as Thanos, Mimir or VictoriaMetrics)."
            required
          >
            <Input
              id="memshape-prometheus-url"
              width={INPUT_WIDTH}
              placeholder="http://localhost:9090"
              value={options.url ?? ''}
              onChange={(event: ChangeEvent<HTMLInputElement>) =>
                onOptionsChange({ ...options, url: event.target.value })
              }
            />
          </InlineField>
          <SecretField
            label="Bearer token"
            id="memshape-bearer-token"
            tooltip="Optional. Sent as an Authorization: Bearer header to Prometheus. Stored encrypted; never shown again."
            placeholder="Optional bearer token"
            {...secretProps('bearerToken')}
          />
        </>
      )}

      {upstream === 'datadog' && (
        <>
          <InlineField
            label="Datadog site"
            labelWidth={LABEL_WIDTH}
            htmlFor="memshape-datadog-site"
            tooltip="Your Datadog site, e.g. datadoghq.com, datadoghq.eu, us5.datadoghq.com, or a full URL for a proxy."
          >
            <Input
              id="memshape-datadog-site"
              width={INPUT_WIDTH}
              placeholder="datadoghq.com"
              value={jsonData.datadogSite ?? ''}
              onChange={(event: ChangeEvent<HTMLInputElement>) => setJsonData({ datadogSite: event.target.value })}
            />
          </InlineField>
          <SecretField
            label="API key"
            id="memshape-datadog-api-key"
            tooltip="Datadog API key. Stored encrypted; never shown again."
            placeholder="Datadog API key"
            required
            {...secretProps('datadogApiKey')}
          />
          <SecretField
            label="Application key"
            id="memshape-datadog-app-key"
            tooltip="Datadog application key with permission to query metrics. Stored encrypted; never shown again."
            placeholder="Datadog application key"
            required
            {...secretProps('datadogAppKey')}
          />
        </>
      )}

      <InlineField
        label="Timeout (seconds)"
        labelWidth={LABEL_WIDTH}
        htmlFor="memshape-timeout"
        tooltip="Timeout for each upstream request. Leave empty for the default."
      >
        <Input
          id="memshape-timeout"
          type="number"
          min={1}
          width={16}
          placeholder="30"
          defaultValue={jsonData.timeoutSeconds ?? ''}
          onChange={onTimeoutChange}
        />
      </InlineField>
    </Stack>
  );
}

interface SecretFieldProps {
  label: string;
  id: string;
  tooltip: string;
  placeholder: string;
  required?: boolean;
  isConfigured: boolean;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
  onReset: () => void;
}

/** A write-only secret: shows "configured" once set, never the value. */
function SecretField({ label, id, tooltip, placeholder, required, ...secret }: SecretFieldProps) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} htmlFor={id} tooltip={tooltip} required={required}>
      <SecretInput id={id} width={INPUT_WIDTH} placeholder={placeholder} {...secret} />
    </InlineField>
  );
}
