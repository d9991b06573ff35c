import React, { ChangeEvent, useState } from 'react';
import { DataSourcePluginOptionsEditorProps, SelectableValue } from '@grafana/data';
import {
  AdvancedHttpSettings,
  Auth,
  AuthMethod,
  ConfigSection,
  ConnectionSettings,
  convertLegacyAuthProps,
  DataSourceDescription,
} from '@grafana/plugin-ui';
import { Divider, InlineField, InlineSwitch, Input, RadioButtonGroup, SecretInput, Select, Stack } from '@grafana/ui';

import { formatBytes, parseBytes } from '../bytes';
import {
  DEFAULT_ANALYSIS_WINDOW,
  DEFAULT_CACHE_BYTES,
  DEFAULT_MAX_QUERY_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIME_INTERVAL,
  DEFAULT_UPSTREAM,
  DefaultAnalysisWindow,
  MemshapeOptions,
  MemshapeSecureJsonData,
  Upstream,
} from '../types';

export interface Props extends DataSourcePluginOptionsEditorProps<MemshapeOptions, MemshapeSecureJsonData> {}

type SecretKey = keyof MemshapeSecureJsonData;

const LABEL_WIDTH = 24;
const INPUT_WIDTH = 40;

const UPSTREAM_OPTIONS: Array<{ label: string; value: Upstream; description: string }> = [
  {
    label: 'Prometheus',
    value: 'prometheus',
    description: 'Prometheus, Mimir, Cortex, Thanos or VictoriaMetrics (PromQL)',
  },
  { label: 'Datadog', value: 'datadog', description: 'Datadog metrics through the Datadog API' },
];

/** Datadog's sites; anything else is a full URL (a proxy, a test server). */
export const DATADOG_SITES: Array<SelectableValue<string>> = [
  { label: 'US1 — datadoghq.com', value: 'datadoghq.com' },
  { label: 'US3 — us3.datadoghq.com', value: 'us3.datadoghq.com' },
  { label: 'US5 — us5.datadoghq.com', value: 'us5.datadoghq.com' },
  { label: 'EU1 — datadoghq.eu', value: 'datadoghq.eu' },
  { label: 'AP1 — ap1.datadoghq.com', value: 'ap1.datadoghq.com' },
  { label: 'AP2 — ap2.datadoghq.com', value: 'ap2.datadoghq.com' },
  { label: 'US1-FED — ddog-gov.com', value: 'ddog-gov.com' },
];
const CUSTOM_SITE = '__custom';
const SITE_OPTIONS: Array<SelectableValue<string>> = [
  ...DATADOG_SITES,
  { label: 'Custom URL…', value: CUSTOM_SITE, description: 'A full URL, e.g. a proxy in front of Datadog' },
];

const WINDOW_OPTIONS: Array<{ label: string; value: DefaultAnalysisWindow }> = [
  { label: '1d', value: '1d' },
  { label: '3d', value: '3d' },
  { label: '7d', value: '7d' },
  { label: '14d', value: '14d' },
  { label: '30d', value: '30d' },
];

const METHOD_OPTIONS: Array<{ label: string; value: 'POST' | 'GET' }> = [
  { label: 'POST', value: 'POST' },
  { label: 'GET', value: 'GET' },
];

const SHARD_OPTIONS: Array<{ label: string; value: string; description: string }> = [
  { label: 'Off', value: '', description: 'One request per query' },
  { label: '12h', value: '12h', description: 'Half-day shards fetched in parallel' },
  { label: '1d', value: '1d', description: 'Day shards fetched in parallel, as query frontends cache them' },
];

type PartialChoice = 'default' | 'allow' | 'deny';
const PARTIAL_OPTIONS: Array<{ label: string; value: PartialChoice; description: string }> = [
  { label: 'Default', value: 'default', description: "The querier's own default" },
  {
    label: 'Allow',
    value: 'allow',
    description: 'partial_response=true: answers some stores could not add to, with a warning',
  },
  { label: 'Deny', value: 'deny', description: 'partial_response=false: such answers are errors' },
];

const BEARER_METHOD = 'custom-bearer' as const;

/** Prometheus duration such as 15s, 1m, 1m30s. */
const DURATION_RE = /^(\d+(ms|s|m|h|d|w|y))+$/;

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const upstream = jsonData.upstream ?? DEFAULT_UPSTREAM;

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
            options={UPSTREAM_OPTIONS}
            value={upstream}
            onChange={(value) => setJsonData({ upstream: value })}
          />
        </InlineField>
      </ConfigSection>

      {upstream === 'prometheus' ? (
        <PrometheusSettings {...{ options, onOptionsChange, setJsonData, secretProps }} />
      ) : (
        <DatadogSettings {...{ options, setJsonData, secretProps }} />
      )}

      <Divider />
      <AnalysisSettings {...{ options, setJsonData }} />
    </Stack>
  );
}

interface SectionProps {
  options: Props['options'];
  setJsonData: (patch: Partial<MemshapeOptions>) => void;
  secretProps: (key: SecretKey) => {
    isConfigured: boolean;
    onChange: (event: ChangeEvent<HTMLInputElement>) => void;
    onReset: () => void;
  };
}

function PrometheusSettings({
  options,
  onOptionsChange,
  setJsonData,
  secretProps,
}: SectionProps & { onOptionsChange: Props['onOptionsChange'] }) {
  const { jsonData } = options;
  const legacy = convertLegacyAuthProps({ config: options, onChange: onOptionsChange });
  // A bearer token is our own method: chosen here, or saved before and no other method on.
  const [bearerChosen, setBearerChosen] = useState(!!options.secureJsonFields?.bearerToken);
  const bearer = legacy.selectedMethod === AuthMethod.NoAuth && bearerChosen;
  const [interval, setInterval] = useState(jsonData.timeInterval ?? '');
  const intervalInvalid = interval !== '' && !DURATION_RE.test(interval);
  const [tenant, setTenant] = useState(jsonData.tenant ?? '');
  const partial: PartialChoice =
    jsonData.partialResponse === undefined ? 'default' : jsonData.partialResponse ? 'allow' : 'deny';

  return (
    <>
      <ConnectionSettings
        config={options}
        onChange={onOptionsChange}
        urlPlaceholder="http://localhost:9090"
        urlTooltip="Prometheus' base URL, with any path prefix: e.g. http://mimir:8080/prometheus or http://thanos-query:9090."
      />
      <Auth
        {...legacy}
        visibleMethods={[AuthMethod.NoAuth, AuthMethod.BasicAuth, AuthMethod.OAuthForward, BEARER_METHOD]}
        selectedMethod={bearer ? BEARER_METHOD : legacy.selectedMethod}
        customMethods={[
          {
            id: BEARER_METHOD,
            label: 'Bearer token',
            description: 'Sends Authorization: Bearer <token> to Prometheus',
            component: (
              <InlineField
                label="Bearer token"
                labelWidth={LABEL_WIDTH}
                htmlFor="memshape-bearer-token"
                tooltip="Stored encrypted; never shown again."
              >
                <SecretInput
                  id="memshape-bearer-token"
                  width={INPUT_WIDTH}
                  placeholder="Bearer token"
                  {...secretProps('bearerToken')}
                />
              </InlineField>
            ),
          },
        ]}
        onAuthMethodSelect={(method) => {
          if (method === BEARER_METHOD) {
            setBearerChosen(true);
            legacy.onAuthMethodSelect(AuthMethod.NoAuth);
            return;
          }
          setBearerChosen(false);
          // Another method replaces the token: the backend must not send both.
          onOptionsChange({
            ...options,
            basicAuth: method === AuthMethod.BasicAuth,
            withCredentials: method === AuthMethod.CrossSiteCredentials,
            jsonData: { ...jsonData, oauthPassThru: method === AuthMethod.OAuthForward },
            ...(options.secureJsonFields?.bearerToken || options.secureJsonData?.bearerToken
              ? {
                  secureJsonFields: { ...options.secureJsonFields, bearerToken: false },
                  secureJsonData: { ...options.secureJsonData, bearerToken: '' },
                }
              : {}),
          });
        }}
      />
      <ConfigSection title="Prometheus" isCollapsible isInitiallyOpen description="Request and scrape settings.">
        <AdvancedHttpSettings config={options} onChange={onOptionsChange} />
        <InlineField
          label="HTTP method"
          labelWidth={LABEL_WIDTH}
          tooltip="POST (default) sends long queries in the body; some proxies allow only GET."
        >
          <RadioButtonGroup<'POST' | 'GET'>
            aria-label="HTTP method"
            options={METHOD_OPTIONS}
            value={jsonData.httpMethod ?? 'POST'}
            onChange={(httpMethod) => setJsonData({ httpMethod })}
          />
        </InlineField>
        <InlineField
          label="Scrape interval"
          labelWidth={LABEL_WIDTH}
          htmlFor="memshape-time-interval"
          tooltip="Prometheus' scrape interval, for $__rate_interval (at least four of them). Default 15s."
          invalid={intervalInvalid}
          error={intervalInvalid ? 'Use a Prometheus duration such as 15s, 1m or 1m30s.' : undefined}
        >
          <Input
            id="memshape-time-interval"
            width={16}
            placeholder={DEFAULT_TIME_INTERVAL}
            value={interval}
            onChange={(event: ChangeEvent<HTMLInputElement>) => setInterval(event.currentTarget.value.trim())}
            onBlur={() => {
              if (!intervalInvalid) {
                setJsonData({ timeInterval: interval || undefined });
              }
            }}
          />
        </InlineField>
      </ConfigSection>
      <ConfigSection
        title="Mimir, Cortex, Thanos"
        isCollapsible
        isInitiallyOpen={!!(jsonData.tenant || jsonData.timeShard || jsonData.partialResponse !== undefined)}
        description="For Prometheus-compatible stores that serve many tenants or many Prometheus servers."
      >
        <InlineField
          label="Tenant"
          labelWidth={LABEL_WIDTH}
          htmlFor="memshape-tenant"
          tooltip="Sent as the X-Scope-OrgID header on every request: the tenant of Mimir or Cortex. A custom header of the same name wins."
        >
          <Input
            id="memshape-tenant"
            width={INPUT_WIDTH}
            placeholder="X-Scope-OrgID, e.g. team-a"
            value={tenant}
            onChange={(event: ChangeEvent<HTMLInputElement>) => setTenant(event.currentTarget.value)}
            onBlur={() => setJsonData({ tenant: tenant.trim() || undefined })}
          />
        </InlineField>
        <InlineField
          label="Partial response"
          labelWidth={LABEL_WIDTH}
          tooltip="Thanos Querier's partial_response: allow answers that some stores could not add to (a notice says so), or make them errors."
        >
          <RadioButtonGroup<PartialChoice>
            aria-label="Partial response"
            options={PARTIAL_OPTIONS}
            value={partial}
            onChange={(value) => setJsonData({ partialResponse: value === 'default' ? undefined : value === 'allow' })}
          />
        </InlineField>
        <InlineField
          label="Time shards"
          labelWidth={LABEL_WIDTH}
          tooltip="Split a long analysis window into shards of this length, aligned to the day, fetched in parallel: a query frontend caches each day and computes them side by side. A plain Prometheus gains nothing."
        >
          <RadioButtonGroup<string>
            aria-label="Time shards"
            options={SHARD_OPTIONS}
            value={jsonData.timeShard ?? ''}
            onChange={(timeShard) => setJsonData({ timeShard: timeShard || undefined })}
          />
        </InlineField>
      </ConfigSection>
    </>
  );
}

function DatadogSettings({ options, setJsonData, secretProps }: SectionProps) {
  const site = options.jsonData.datadogSite ?? '';
  const known = DATADOG_SITES.some((s) => s.value === site);
  const [custom, setCustom] = useState(site !== '' && !known);

  return (
    <ConfigSection
      title="Datadog"
      description="Your Datadog site and keys. The keys are stored encrypted and never shown again."
    >
      <InlineField
        label="Site"
        labelWidth={LABEL_WIDTH}
        htmlFor="memshape-datadog-site"
        tooltip="The site in your Datadog URL (app.datadoghq.eu → datadoghq.eu), or a custom URL."
      >
        {/* Select, not Combobox: Combobox is not in every Grafana this plugin supports (11.0 on). */}
        {/* eslint-disable-next-line @typescript-eslint/no-deprecated */}
        <Select<string>
          inputId="memshape-datadog-site"
          width={INPUT_WIDTH}
          options={SITE_OPTIONS}
          value={custom ? CUSTOM_SITE : site || 'datadoghq.com'}
          onChange={(option) => {
            if (option.value === CUSTOM_SITE) {
              setCustom(true);
              setJsonData({ datadogSite: '' });
            } else {
              setCustom(false);
              setJsonData({ datadogSite: option.value });
            }
          }}
        />
      </InlineField>
      {custom && (
        <InlineField
          label="Site URL"
          labelWidth={LABEL_WIDTH}
          htmlFor="memshape-datadog-url"
          tooltip="A full URL, e.g. https://datadog-proxy.internal:8443"
          invalid={site !== '' && !/^https?:\/\/\S+$/.test(site)}
          error="Use a full URL that starts with http:// or https://."
        >
          <Input
            id="memshape-datadog-url"
            width={INPUT_WIDTH}
            placeholder="https://datadog-proxy.example.com"
            value={site}
            onChange={(event: ChangeEvent<HTMLInputElement>) =>
              setJsonData({ datadogSite: event.currentTarget.value.trim() })
            }
          />
        </InlineField>
      )}
      <InlineField
        label="API key"
        labelWidth={LABEL_WIDTH}
        htmlFor="memshape-datadog-api-key"
        tooltip="Datadog API key (Organization settings → API keys)."
        required
      >
        <SecretInput
          id="memshape-datadog-api-key"
          width={INPUT_WIDTH}
          placeholder="API key"
          {...secretProps('datadogApiKey')}
        />
      </InlineField>
      <InlineField
        label="Application key"
        labelWidth={LABEL_WIDTH}
        htmlFor="memshape-datadog-app-key"
        tooltip="Datadog application key with the timeseries_query scope (Organization settings → Application keys)."
        required
      >
        <SecretInput
          id="memshape-datadog-app-key"
          width={INPUT_WIDTH}
          placeholder="Application key"
          {...secretProps('datadogAppKey')}
        />
      </InlineField>
      <InlineField
        label="Timeout"
        labelWidth={LABEL_WIDTH}
        htmlFor="memshape-datadog-timeout"
        tooltip="Seconds each Datadog request may take; default 30."
      >
        <Input
          id="memshape-datadog-timeout"
          type="number"
          min={1}
          width={16}
          placeholder="30"
          value={options.jsonData.timeout ?? ''}
          onChange={(event: ChangeEvent<HTMLInputElement>) => {
            const seconds = Number(event.currentTarget.value);
            setJsonData({ timeout: event.currentTarget.value === '' || !(seconds > 0) ? undefined : seconds });
          }}
        />
      </InlineField>
    </ConfigSection>
  );
}

/** A size in bytes typed as text ("512MiB"), written to jsonData when the field is left. */
function BytesField({
  id,
  label,
  tooltip,
  value,
  placeholder,
  allowZero,
  onChange,
}: {
  id: string;
  label: string;
  tooltip: string;
  value: number | undefined;
  placeholder: string;
  allowZero?: boolean;
  onChange: (bytes: number | undefined) => void;
}) {
  const [text, setText] = useState(value === undefined ? '' : value === 0 ? '0' : formatBytes(value));
  const bytes = text.trim() === '' ? undefined : parseBytes(text);
  const invalid = text.trim() !== '' && (bytes === undefined || bytes < 0 || (bytes === 0 && !allowZero));
  return (
    <InlineField
      label={label}
      labelWidth={LABEL_WIDTH}
      htmlFor={id}
      tooltip={tooltip}
      invalid={invalid}
      error={
        invalid
          ? `Not a size: use e.g. 512MiB or 1GiB${allowZero ? ', 0 for off' : ''}, or leave it empty for ${placeholder}.`
          : undefined
      }
    >
      <Input
        id={id}
        width={16}
        placeholder={placeholder}
        value={text}
        onChange={(event: ChangeEvent<HTMLInputElement>) => setText(event.currentTarget.value)}
        onBlur={() => {
          if (!invalid) {
            onChange(bytes);
          }
        }}
      />
    </InlineField>
  );
}

function AnalysisSettings({ options, setJsonData }: Omit<SectionProps, 'secretProps'>) {
  const { jsonData } = options;
  const prometheus = (jsonData.upstream ?? DEFAULT_UPSTREAM) === 'prometheus';

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
      {prometheus && (
        <BytesField
          id="memshape-max-query-bytes"
          label="Memory per query"
          tooltip="The memory one query's samples may take once decoded, e.g. 1GiB (default: about 64,000 series of 7 days at 5 minutes). A larger answer fails that query with a message saying how many series fit and how to narrow it."
          value={jsonData.maxQueryBytes}
          placeholder={formatBytes(DEFAULT_MAX_QUERY_BYTES)}
          onChange={(maxQueryBytes) => setJsonData({ maxQueryBytes })}
        />
      )}
      {prometheus && (
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
        tooltip={
          prometheus
            ? 'The largest answer read, in bytes as sent. Empty (default): no cap on the body — answers stream and the memory per query holds what they take.'
            : 'The largest Datadog answer read, e.g. 256MiB (default): its client reads an answer whole before decoding it.'
        }
        value={jsonData.maxResponseBytes}
        placeholder={prometheus ? 'none' : formatBytes(DEFAULT_MAX_RESPONSE_BYTES)}
        onChange={(maxResponseBytes) => setJsonData({ maxResponseBytes })}
      />
      <InlineField
        label="Compression"
        labelWidth={LABEL_WIDTH}
        htmlFor="memshape-compression"
        tooltip={
          prometheus
            ? 'Ask Prometheus for gzip answers. Off by default: compressing costs Prometheus about 11 times the CPU of writing the answer and makes an alert rule over thousands of series several times slower; turn it on only across a slow or metered link.'
            : 'Ask Datadog for gzip answers (default): it compresses cheaply, and the link is the internet.'
        }
      >
        <InlineSwitch
          id="memshape-compression"
          value={jsonData.compression ?? !prometheus}
          onChange={(event) => setJsonData({ compression: event.currentTarget.checked })}
        />
      </InlineField>
    </ConfigSection>
  );
}
