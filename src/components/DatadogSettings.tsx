import React, { ChangeEvent, useState } from 'react';
import { SelectableValue } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import { InlineField, Input, SecretInput, Select } from '@grafana/ui';

import { INPUT_WIDTH, LABEL_WIDTH, UpstreamSettingsProps } from './settingsSection';

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

/** Datadog's section of the config editor: the site, the keys and the timeout. */
export function DatadogSettings({ options, setJsonData, secretProps }: UpstreamSettingsProps) {
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
