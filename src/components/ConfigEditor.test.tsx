import React, { useState } from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { dataSourceSettings as settings, Settings } from '../testing/settings';
import { ConfigEditor } from './ConfigEditor';

jest.setTimeout(60_000); // a hang guard only

/** Renders the editor the way Grafana does: as a controlled component whose options follow onOptionsChange. */
function renderEditor(initial: Settings) {
  const user = userEvent.setup({ delay: null });
  const onOptionsChange = jest.fn();
  function Harness() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          onOptionsChange(next);
          setOptions(next);
        }}
      />
    );
  }
  const { container } = render(<Harness />);
  const lastOptions = (): Settings => onOptionsChange.mock.calls[onOptionsChange.mock.calls.length - 1][0];
  /** Picks an option of a @grafana/ui Select by its input id. */
  const pick = async (inputId: string, option: string) => {
    await user.click(container.querySelector(`#${inputId}`)!);
    await user.click(await screen.findByText(option));
  };
  /** Types a text in one go (a paste): one change event instead of one per character. */
  const fill = async (element: HTMLElement, text: string) => {
    await user.click(element);
    await user.paste(text);
  };
  return { user, onOptionsChange, lastOptions, pick, fill };
}

describe('ConfigEditor: Prometheus', () => {
  it('defaults to Prometheus and stores the server URL in the data source url', async () => {
    const { lastOptions, fill } = renderEditor(settings());
    expect(screen.getByRole('radio', { name: 'Prometheus' })).toBeChecked();
    expect(screen.queryByLabelText('API key')).not.toBeInTheDocument();

    const url = screen.getByLabelText('Data source connection URL');
    expect(url).toHaveAttribute('placeholder', 'http://localhost:9090');
    await fill(url, 'http://mimir:8080/prometheus');
    expect(lastOptions().url).toBe('http://mimir:8080/prometheus');
  });

  it('sets basic auth: user in the settings, password in secureJsonData only', async () => {
    const { lastOptions, pick, fill } = renderEditor(settings({ url: 'http://prometheus:9090' }));
    await pick('auth-method-select', 'Basic authentication');
    expect(lastOptions().basicAuth).toBe(true);

    await fill(screen.getByPlaceholderText('User'), 'grafana');
    await fill(screen.getByPlaceholderText('Password'), 's3cret');
    expect(lastOptions().basicAuthUser).toBe('grafana');
    expect(lastOptions().secureJsonData).toEqual({ basicAuthPassword: 's3cret' });
    expect(JSON.stringify(lastOptions().jsonData)).not.toContain('s3cret');
  });

  it('forwards the OAuth identity', async () => {
    const { lastOptions, pick } = renderEditor(settings());
    await pick('auth-method-select', 'Forward OAuth Identity');
    expect(lastOptions().jsonData.oauthPassThru).toBe(true);
    expect(lastOptions().basicAuth).toBe(false);
  });

  it('takes a bearer token as its own method, write-only', async () => {
    const { lastOptions, pick, fill } = renderEditor(settings());
    await pick('auth-method-select', 'Bearer token');
    const token = screen.getByLabelText('Bearer token');
    await fill(token, 'tok-123');
    expect(lastOptions().secureJsonData).toEqual({ bearerToken: 'tok-123' });
    expect(token).toHaveAttribute('type', 'password');
  });

  it('shows a saved bearer token as configured, never its value, and drops it for another method', async () => {
    const { user, lastOptions, pick } = renderEditor(
      settings({ secureJsonFields: { bearerToken: true }, secureJsonData: { bearerToken: 'should-not-appear' } })
    );
    const token = screen.getByLabelText('Bearer token');
    expect(token).toHaveValue('configured');
    expect(screen.queryByDisplayValue('should-not-appear')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(lastOptions().secureJsonFields).toEqual({ bearerToken: false });
    expect(screen.getByLabelText('Bearer token')).toHaveValue('');

    await pick('auth-method-select', 'Basic authentication');
    expect(lastOptions().basicAuth).toBe(true);
    expect(lastOptions().secureJsonData?.bearerToken).toBe('');
    expect(screen.queryByLabelText('Bearer token')).not.toBeInTheDocument();
  });

  it('adds a custom header such as X-Scope-OrgID for a Mimir tenant, its value as a secret', async () => {
    const { user, lastOptions, fill } = renderEditor(settings());
    await user.click(screen.getByLabelText('Expand section HTTP headers'));
    await user.click(screen.getByText('Add header'));
    await fill(screen.getByPlaceholderText('X-Custom-Header'), 'X-Scope-OrgID');
    await fill(screen.getByPlaceholderText('Header value'), 'tenant-1');
    await user.tab();
    expect(lastOptions().jsonData).toMatchObject({ httpHeaderName1: 'X-Scope-OrgID' });
    expect(lastOptions().secureJsonData).toMatchObject({ httpHeaderValue1: 'tenant-1' });
  });

  it('skips TLS verification and asks for a CA certificate on request', async () => {
    const { user, lastOptions } = renderEditor(settings());
    await user.click(screen.getByLabelText('Skip TLS certificate validation'));
    expect(lastOptions().jsonData.tlsSkipVerify).toBe(true);
    await user.click(screen.getByLabelText('Add self-signed certificate'));
    expect(lastOptions().jsonData.tlsAuthWithCACert).toBe(true);
    await user.click(screen.getByLabelText('TLS Client Authentication'));
    expect(lastOptions().jsonData.tlsAuth).toBe(true);
  });

  it('writes one timeout, in seconds, to jsonData.timeout', async () => {
    const { lastOptions, fill } = renderEditor(settings());
    await fill(screen.getByLabelText('Timeout in seconds'), '45');
    expect(lastOptions().jsonData.timeout).toBe(45);
    expect(screen.getAllByLabelText(/Timeout/)).toHaveLength(1);
  });

  it('chooses GET or POST and the scrape interval', async () => {
    const { user, lastOptions, fill } = renderEditor(settings());
    expect(screen.getByRole('radio', { name: 'POST' })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'GET' }));
    expect(lastOptions().jsonData.httpMethod).toBe('GET');

    const interval = screen.getByLabelText('Scrape interval');
    await fill(interval, 'soon');
    await user.tab();
    expect(screen.getByText(/Use a Prometheus duration/)).toBeInTheDocument();
    expect(lastOptions().jsonData.timeInterval).toBeUndefined();
    await user.clear(interval);
    await fill(interval, '30s');
    await user.tab();
    expect(lastOptions().jsonData.timeInterval).toBe('30s');
  });
});

describe('ConfigEditor: Datadog', () => {
  it('switches to Datadog: site, keys as secrets, no URL or Prometheus auth', async () => {
    const { user, lastOptions, pick, fill } = renderEditor(settings());
    await user.click(screen.getByRole('radio', { name: 'Datadog' }));
    expect(lastOptions().jsonData.upstream).toBe('datadog');
    expect(screen.queryByLabelText('Data source connection URL')).not.toBeInTheDocument();
    expect(screen.queryByText('Authentication methods')).not.toBeInTheDocument();

    await pick('memshape-datadog-site', 'EU1 — datadoghq.eu');
    expect(lastOptions().jsonData.datadogSite).toBe('datadoghq.eu');
    await fill(screen.getByLabelText(/API key/), 'api-123');
    await fill(screen.getByLabelText(/Application key/), 'app-456');
    expect(lastOptions().secureJsonData).toEqual({ datadogApiKey: 'api-123', datadogAppKey: 'app-456' });
    expect(JSON.stringify(lastOptions().jsonData)).not.toMatch(/api-123|app-456/);
  });

  it.each(['us3.datadoghq.com', 'us5.datadoghq.com', 'ap1.datadoghq.com', 'ap2.datadoghq.com', 'ddog-gov.com'])(
    'offers the %s site',
    async (site) => {
      const { lastOptions, pick } = renderEditor(settings({ jsonData: { upstream: 'datadog' } }));
      await pick('memshape-datadog-site', new RegExp(`— ${site.replace(/\./g, '\\.')}$`) as unknown as string);
      expect(lastOptions().jsonData.datadogSite).toBe(site);
    }
  );

  it('takes a custom URL and says when it is not one', async () => {
    const { user, lastOptions, pick, fill } = renderEditor(settings({ jsonData: { upstream: 'datadog' } }));
    await pick('memshape-datadog-site', 'Custom URL…');
    const url = screen.getByLabelText('Site URL');
    await fill(url, 'proxy');
    expect(screen.getByText(/Use a full URL/)).toBeInTheDocument();
    await user.clear(url);
    await fill(url, 'http://127.0.0.1:8125');
    expect(lastOptions().jsonData.datadogSite).toBe('http://127.0.0.1:8125');
    expect(screen.queryByText(/Use a full URL/)).not.toBeInTheDocument();
  });

  it('opens a saved custom URL as custom', () => {
    renderEditor(settings({ jsonData: { upstream: 'datadog', datadogSite: 'http://127.0.0.1:8125' } }));
    expect(screen.getByLabelText('Site URL')).toHaveValue('http://127.0.0.1:8125');
  });

  it('shows configured keys without values and resets each one separately', async () => {
    const { user, lastOptions } = renderEditor(
      settings({
        jsonData: { upstream: 'datadog', datadogSite: 'datadoghq.com' },
        secureJsonFields: { datadogApiKey: true, datadogAppKey: true },
      })
    );
    expect(screen.getByLabelText(/API key/)).toHaveValue('configured');
    expect(screen.getByLabelText(/Application key/)).toHaveValue('configured');
    await user.click(screen.getAllByRole('button', { name: 'Reset' })[1]);
    expect(lastOptions().secureJsonFields).toEqual({ datadogApiKey: true, datadogAppKey: false });
    expect(lastOptions().secureJsonData).toEqual({ datadogAppKey: '' });
  });

  it('writes the Datadog timeout to jsonData.timeout', async () => {
    const { lastOptions, fill } = renderEditor(settings({ jsonData: { upstream: 'datadog' } }));
    await fill(screen.getByLabelText('Timeout'), '20');
    expect(lastOptions().jsonData.timeout).toBe(20);
  });
});

describe('ConfigEditor: analysis', () => {
  it('sets the default analysis window, the memory per query, the cache size and the response cap', async () => {
    const { user, lastOptions, fill } = renderEditor(settings());
    const windows = within(screen.getByRole('radiogroup', { name: 'Default analysis window' }));
    expect(windows.getByRole('radio', { name: '7d' })).toBeChecked();
    await user.click(windows.getByRole('radio', { name: '14d' }));
    expect(lastOptions().jsonData.analysisWindow).toBe('14d');

    const memory = screen.getByLabelText('Memory per query');
    expect(memory).toHaveAttribute('placeholder', '1GiB');
    await fill(memory, 'lots');
    await user.tab();
    expect(screen.getByText(/Not a size/)).toBeInTheDocument();
    expect(lastOptions().jsonData.maxQueryBytes).toBeUndefined();
    await user.clear(memory);
    await fill(memory, '2GiB');
    await user.tab();
    expect(lastOptions().jsonData.maxQueryBytes).toBe(2 * 2 ** 30);

    const cacheSize = screen.getByLabelText('Cache size');
    expect(cacheSize).toHaveAttribute('placeholder', '512MiB');
    await fill(cacheSize, '0');
    await user.tab();
    expect(lastOptions().jsonData.cacheBytes).toBe(0);

    // Prometheus' answers stream: no cap on the body unless one is set.
    const cap = screen.getByLabelText('Response size cap');
    expect(cap).toHaveAttribute('placeholder', 'none');
    await fill(cap, '1GiB');
    await user.tab();
    expect(lastOptions().jsonData.maxResponseBytes).toBe(2 ** 30);
  });

  it('sets the series and points caps, refusing what the backend would', async () => {
    const { user, onOptionsChange, lastOptions, fill } = renderEditor(settings({ jsonData: { maxPoints: 5_000_000 } }));
    const series = screen.getByLabelText('Series per query');
    expect(series).toHaveAttribute('placeholder', '200,000');
    await fill(series, '0');
    await user.tab();
    expect(screen.getByText(/give a whole number from 1 to 1,000,000/)).toBeInTheDocument();
    expect(onOptionsChange).not.toHaveBeenCalled();
    await user.clear(series);
    await fill(series, '50,000');
    await user.tab();
    expect(lastOptions().jsonData.maxSeries).toBe(50_000);

    const points = screen.getByLabelText('Points per query');
    expect(points).toHaveValue('5000000');
    await user.clear(points);
    await user.tab();
    expect(lastOptions().jsonData.maxPoints).toBeUndefined();

    await user.click(screen.getByRole('radio', { name: 'Datadog' }));
    expect(screen.queryByLabelText('Series per query')).not.toBeInTheDocument();
  });

  it('leaves compression off for Prometheus unless turned on, and on for Datadog', async () => {
    const { user, lastOptions } = renderEditor(settings());
    const compression = screen.getByLabelText('Compression');
    expect(compression).not.toBeChecked();
    await user.click(compression);
    expect(lastOptions().jsonData.compression).toBe(true);

    await user.click(screen.getByRole('radio', { name: 'Datadog' }));
    expect(screen.getByLabelText('Compression')).toBeChecked();
    expect(screen.queryByLabelText('Memory per query')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Response size cap')).toHaveAttribute('placeholder', '256MiB');
  });
});

describe('ConfigEditor: Mimir, Cortex, Thanos', () => {
  it('sets the tenant, partial responses and time shards, and opens with them when saved', async () => {
    const { user, lastOptions, fill } = renderEditor(settings());
    await user.click(screen.getByLabelText('Expand section Mimir, Cortex, Thanos'));
    await fill(screen.getByLabelText('Tenant'), ' team-a ');
    await user.tab();
    expect(lastOptions().jsonData.tenant).toBe('team-a');

    const partial = within(screen.getByRole('radiogroup', { name: 'Partial response' }));
    expect(partial.getByRole('radio', { name: 'Default' })).toBeChecked();
    await user.click(partial.getByRole('radio', { name: 'Deny' }));
    expect(lastOptions().jsonData.partialResponse).toBe(false);
    await user.click(partial.getByRole('radio', { name: 'Allow' }));
    expect(lastOptions().jsonData.partialResponse).toBe(true);
    await user.click(partial.getByRole('radio', { name: 'Default' }));
    expect(lastOptions().jsonData.partialResponse).toBeUndefined();

    const shards = within(screen.getByRole('radiogroup', { name: 'Time shards' }));
    expect(shards.getByRole('radio', { name: 'Off' })).toBeChecked();
    await user.click(shards.getByRole('radio', { name: '1d' }));
    expect(lastOptions().jsonData.timeShard).toBe('1d');
    await user.click(shards.getByRole('radio', { name: 'Off' }));
    expect(lastOptions().jsonData.timeShard).toBeUndefined();
  });

  it('shows a saved tenant and shard setting', () => {
    renderEditor(settings({ jsonData: { tenant: 'team-b', timeShard: '12h', partialResponse: true } }));
    expect(screen.getByLabelText('Tenant')).toHaveValue('team-b');
    expect(
      within(screen.getByRole('radiogroup', { name: 'Time shards' })).getByRole('radio', { name: '12h' })
    ).toBeChecked();
    expect(
      within(screen.getByRole('radiogroup', { name: 'Partial response' })).getByRole('radio', { name: 'Allow' })
    ).toBeChecked();
  });
});
