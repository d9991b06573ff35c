import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { dataSourceSettings as settings, Settings } from '../testing/settings';
import { ConfigEditor } from './ConfigEditor';

/** Renders the editor the way Grafana does: as a controlled component whose options follow onOptionsChange. */
function renderEditor(initial: Settings) {
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
  render(<Harness />);
  const lastOptions = (): Settings => onOptionsChange.mock.calls[onOptionsChange.mock.calls.length - 1][0];
  return { onOptionsChange, lastOptions };
}

describe('ConfigEditor', () => {
  it('defaults to Prometheus and stores the server URL in the data source url', async () => {
    const { lastOptions } = renderEditor(settings());
    expect(screen.getByRole('radio', { name: 'Prometheus' })).toBeChecked();
    expect(screen.queryByLabelText('API key')).not.toBeInTheDocument();

    const url = screen.getByLabelText(/Prometheus URL/);
    expect(url).toHaveAttribute('placeholder', 'http://localhost:9090');
    await userEvent.type(url, 'http://prometheus:9090');
    expect(lastOptions().url).toBe('http://prometheus:9090');
  });

  it('writes a new bearer token to secureJsonData only', async () => {
    const { lastOptions } = renderEditor(settings({ url: 'http://prometheus:9090' }));
    await userEvent.type(screen.getByLabelText('Bearer token'), 's3cret');
    expect(lastOptions().secureJsonData).toEqual({ bearerToken: 's3cret' });
    expect(lastOptions().jsonData).toEqual({});
    expect(screen.getByLabelText('Bearer token')).toHaveAttribute('type', 'password');
  });

  it('never shows a configured secret, and resets it on request', async () => {
    const { lastOptions } = renderEditor(
      settings({
        url: 'http://prometheus:9090',
        secureJsonFields: { bearerToken: true },
        // Even if a value were present, the editor must not display it.
        secureJsonData: { bearerToken: 'should-not-appear' },
      })
    );
    const token = screen.getByLabelText('Bearer token');
    expect(token).toBeDisabled();
    expect(token).toHaveValue('configured');
    expect(screen.queryByDisplayValue('should-not-appear')).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(lastOptions().secureJsonFields).toEqual({ bearerToken: false });
    expect(lastOptions().secureJsonData).toEqual({ bearerToken: '' });
    expect(screen.getByLabelText('Bearer token')).toBeEnabled();
    expect(screen.getByLabelText('Bearer token')).toHaveValue('');
  });

  it('switches to Datadog and edits the site and keys', async () => {
    const { lastOptions } = renderEditor(settings());
    await userEvent.click(screen.getByRole('radio', { name: 'Datadog' }));
    expect(lastOptions().jsonData.upstream).toBe('datadog');
    expect(screen.queryByLabelText(/Prometheus URL/)).not.toBeInTheDocument();

    await userEvent.type(screen.getByLabelText('Datadog site'), 'datadoghq.eu');
    await userEvent.type(screen.getByLabelText(/API key/), 'api-123');
    await userEvent.type(screen.getByLabelText(/Application key/), 'app-456');
    expect(lastOptions().jsonData).toEqual({ upstream: 'datadog', datadogSite: 'datadoghq.eu' });
    expect(lastOptions().secureJsonData).toEqual({ datadogApiKey: 'api-123', datadogAppKey: 'app-456' });
  });

  it('shows configured Datadog keys without values and resets each one separately', async () => {
    const { lastOptions } = renderEditor(
      settings({
        jsonData: { upstream: 'datadog', datadogSite: 'datadoghq.com' },
        secureJsonFields: { datadogApiKey: true, datadogAppKey: true },
      })
    );
    expect(screen.getByLabelText(/API key/)).toHaveValue('configured');
    expect(screen.getByLabelText(/Application key/)).toHaveValue('configured');

    await userEvent.click(screen.getAllByRole('button', { name: 'Reset' })[1]);
    expect(lastOptions().secureJsonFields).toEqual({ datadogApiKey: true, datadogAppKey: false });
    expect(lastOptions().secureJsonData).toEqual({ datadogAppKey: '' });
  });

  it('stores the timeout as a number of seconds', async () => {
    const { lastOptions } = renderEditor(settings());
    await userEvent.type(screen.getByLabelText('Timeout (seconds)'), '45');
    expect(lastOptions().jsonData.timeoutSeconds).toBe(45);
    await userEvent.clear(screen.getByLabelText('Timeout (seconds)'));
    expect(lastOptions().jsonData.timeoutSeconds).toBeUndefined();
  });
});
