import React, { ChangeEvent, useState } from 'react';
import { ConfigSection, DataSourceDescription } from '@grafana/plugin-ui';
import { Divider, InlineField, InlineSwitch, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import { formatBytes, parseBytes } from '../bytes';
import {
  DEFAULT_ANALYSIS_WINDOW,
  DEFAULT_CACHE_BYTES,
  DEFAULT_MAX_POINTS,
  DEFAULT_MAX_QUERY_BYTES,
  DEFAULT_MAX_SERIES,
  DefaultAnalysisWindow,
  MemshapeOptions,
  Upstream,
} from '../types';
import { upstreamSpec, UpstreamSpec, upstreamSpecs } from '../upstreams';
import { ConfigEditorProps, LABEL_WIDTH, SecretKey, UpstreamSettingsProps } from './settingsSection';

export interface Props extends ConfigEditorProps {}

const WINDOW_OPTIONS: Array<{ label: string; value: DefaultAnalysisWindow }> = [
  { label: '1d', value: '1d' },
  { label: '3d', value: '3d' },
  { label: '7d', value: '7d' },
  { label: '14d', value: '14d' },
  { label: '30d', value: '30d' },
];

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const spec = upstreamSpec(jsonData.upstream);
  const { Editor: UpstreamSettings } = spec.settings;

  const setJsonData = (patch: Partial<MemshapeOptions>) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });
  };

  // Secrets are write-only: the typed value goes to secureJsonData and is never shown again.
  const secretProps = (key: SecretKey) => ({
    isConfigured: !!secureJsonFields?.[key],
    onChange: (event: ChangeEvent<HTMLInputElement>) =>
      onOptionsChange({ ...options, secureJsonData: { ...options.secureJsonData, [key]: event.currentTarget.value } }),
    onReset: () =>
      onOptionsChange({
        ...options,
        secureJsonFields: { ...options.secureJsonFields, [key]: false },
        secureJsonData: { ...options.secureJsonData, [key]: '' },
      }),
  });

  return (
    <Stack direction="column" gap={2}>
      <DataSourceDescription
        dataSourceName="Memory Shape"
        docsLink="https://github.com/memshape/memory-datasource#readme"
        hasRequiredFields
      />
      <ConfigSection
        title="Upstream"
        description="Where the memory series come from. Memory Shape runs your query there and names the shape of every series."
      >
        <InlineField label="Upstream" labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup<Upstream>
            aria-label="Upstream"
            options={upstreamSpecs().map(({ id, label, description }) => ({ label, value: id, description }))}
            value={spec.id}
            onChange={(value) => setJsonData({ upstream: value })}
          />
        </InlineField>
      </ConfigSection>

      <UpstreamSettings {...{ options, onOptionsChange, setJsonData, secretProps }} />

      <Divider />
      <AnalysisSettings {...{ options, setJsonData, spec }} />
    </Stack>
  );
}

interface NumberFieldProps {
  id: string;
  label: string;
  tooltip: string;
  value: number | undefined;
  placeholder: string;
  onChange: (n: number | undefined) => void;
}

/**
 * A number typed as text, written to jsonData when the field is left (empty: unset, the default): `read` gives the
 * number of a text, undefined when it is not usable, and `show` the text of a number; `problem` says what to type.
 */
function TextNumberField({
  id,
  label,
  tooltip,
  value,
  placeholder,
  onChange,
  read,
  show,
  problem,
}: NumberFieldProps & { read: (text: string) => number | undefined; show: (n: number) => string; problem: string }) {
  const [text, setText] = useState(value === undefined ? '' : show(value));
  const n = text.trim() === '' ? undefined : read(text);
  const invalid = text.trim() !== '' && n === undefined;
  return (
    <InlineField
      label={label}
      labelWidth={LABEL_WIDTH}
      htmlFor={id}
      tooltip={tooltip}
      invalid={invalid}
      error={invalid ? `${problem}, or leave it empty for ${placeholder}.` : undefined}
    >
      <Input
        id={id}
        width={16}
        placeholder={placeholder}
        value={text}
        onChange={(event: ChangeEvent<HTMLInputElement>) => setText(event.currentTarget.value)}
        onBlur={() => {
          if (!invalid) {
            onChange(n);
          }
        }}
      />
    </InlineField>
  );
}

/** A size in bytes typed as text ("512MiB"). */
function BytesField({ allowZero, ...props }: NumberFieldProps & { allowZero?: boolean }) {
  return (
    <TextNumberField
      {...props}
      read={(text) => {
        const bytes = parseBytes(text);
        return bytes === undefined || bytes < 0 || (bytes === 0 && !allowZero) ? undefined : bytes;
      }}
      show={(bytes) => (bytes === 0 ? '0' : formatBytes(bytes))}
      problem={`Not a size: use e.g. 512MiB or 1GiB${allowZero ? ', 0 for off' : ''}`}
    />
  );
}

/** A whole number typed as text ("200000", "200,000") from min to max. */
function CountField({ min, max, ...props }: NumberFieldProps & { min: number; max: number }) {
  return (
    <TextNumberField
      {...props}
      read={(text) => {
        const count = Number(text.trim().replace(/[,_\s]/g, ''));
        return Number.isInteger(count) && count >= min && count <= max ? count : undefined;
      }}
      show={String}
      problem={`Not usable: give a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}`}
    />
  );
}

function AnalysisSettings({
  options,
  setJsonData,
  spec,
}: Pick<UpstreamSettingsProps, 'options' | 'setJsonData'> & { spec: UpstreamSpec }) {
  const { jsonData } = options;
  const { applies, defaults, maxResponseTooltip, compressionTooltip } = spec.settings;

  return (
    <ConfigSection
      title="Analysis"
      description="How far back verdicts look, and the memory and traffic a query may take."
    >
      <InlineField
        label="Default analysis window"
        labelWidth={LABEL_WIDTH}
        tooltip="How far back a verdict looks when a query says auto, whatever the panel shows: a 1-hour panel and a 10-minute alert rule get the verdict of this window. A leak needs 12 hours of steady growth (normal sensitivity)."
      >
        <RadioButtonGroup<DefaultAnalysisWindow>
          aria-label="Default analysis window"
          options={WINDOW_OPTIONS}
          value={jsonData.analysisWindow ?? DEFAULT_ANALYSIS_WINDOW}
          onChange={(analysisWindow) => setJsonData({ analysisWindow })}
        />
      </InlineField>
      {applies.maxQueryBytes && (
        <BytesField
          id="memshape-max-query-bytes"
          label="Memory per query"
          tooltip="The memory one query's samples may take once decoded, e.g. 1GiB (default: about 64,000 series of 7 days at 5 minutes). A larger answer fails that query with a message saying how many series fit and how to narrow it."
          value={jsonData.maxQueryBytes}
          placeholder={formatBytes(DEFAULT_MAX_QUERY_BYTES)}
          onChange={(maxQueryBytes) => setJsonData({ maxQueryBytes })}
        />
      )}
      {applies.maxQueryBytes && (
        <CountField
          id="memshape-max-series"
          label="Series per query"
          tooltip="The most series one query may return (default 200,000). A query with more fails with a message saying how to narrow it."
          value={jsonData.maxSeries}
          min={1}
          max={1_000_000}
          placeholder={DEFAULT_MAX_SERIES.toLocaleString('en')}
          onChange={(maxSeries) => setJsonData({ maxSeries })}
        />
      )}
      {applies.maxQueryBytes && (
        <CountField
          id="memshape-max-points"
          label="Points per query"
          tooltip="The most points one query may return over all its series (default 200,000,000); the memory per query is usually met first."
          value={jsonData.maxPoints}
          min={1000}
          max={1_000_000_000}
          placeholder={DEFAULT_MAX_POINTS.toLocaleString('en')}
          onChange={(maxPoints) => setJsonData({ maxPoints })}
        />
      )}
      {applies.cacheBytes && (
        <BytesField
          id="memshape-cache-bytes"
          label="Cache size"
          tooltip="The memory this data source keeps samples in (about 3 bytes a sample), shared by every alert rule and panel that asks for the same series, so that each later evaluation fetches only new samples. Default 512MiB (about 80,000 series of 7 days); 0 turns it off."
          value={jsonData.cacheBytes}
          placeholder={formatBytes(DEFAULT_CACHE_BYTES)}
          allowZero
          onChange={(cacheBytes) => setJsonData({ cacheBytes })}
        />
      )}
      <BytesField
        id="memshape-max-response"
        label="Response size cap"
        tooltip={maxResponseTooltip}
        value={jsonData.maxResponseBytes}
        placeholder={defaults.maxResponseBytes === undefined ? 'none' : formatBytes(defaults.maxResponseBytes)}
        onChange={(maxResponseBytes) => setJsonData({ maxResponseBytes })}
      />
      <InlineField
        label="Compression"
        labelWidth={LABEL_WIDTH}
        htmlFor="memshape-compression"
        tooltip={compressionTooltip}
      >
        <InlineSwitch
          id="memshape-compression"
          value={jsonData.compression ?? defaults.compression}
          onChange={(event) => setJsonData({ compression: event.currentTarget.checked })}
        />
      </InlineField>
    </ConfigSection>
  );
}
