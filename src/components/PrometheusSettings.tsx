import React, { ChangeEvent, useState } from 'react';
import {
  AdvancedHttpSettings,
  Auth,
  AuthMethod,
  ConfigSection,
  ConnectionSettings,
  convertLegacyAuthProps,
} from '@grafana/plugin-ui';
import { InlineField, Input, RadioButtonGroup, SecretInput } from '@grafana/ui';

import { DEFAULT_TIME_INTERVAL } from '../types';
import { INPUT_WIDTH, LABEL_WIDTH, UpstreamSettingsProps } from './settingsSection';

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

/** Prometheus' section of the config editor: connection, authentication, request and scrape settings. */
export function PrometheusSettings({ options, onOptionsChange, setJsonData, secretProps }: UpstreamSettingsProps) {
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
