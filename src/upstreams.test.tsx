import React, { useState } from 'react';
import { dateTime } from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { UpstreamSettingsProps } from './components/settingsSection';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { DataSource } from './datasource';
import { fakeModel, fakeMonacoState } from './testing/FakeCodeEditor';
import { instanceSettings } from './testing/instanceSettings';
import { dataSourceSettings as settings, Settings } from './testing/settings';
import { fakeTemplateSrv } from './testing/templateSrv';
import { MemshapeQuery, Upstream } from './types';
import { upstreamSpec, UpstreamSpec, UPSTREAMS } from './upstreams';

jest.mock('@grafana/ui', () => ({
  ...jest.requireActual('@grafana/ui'),
  CodeEditor: jest.requireActual('./testing/FakeCodeEditor').FakeCodeEditor,
}));

jest.setTimeout(60_000); // a hang guard only

/** A third upstream that exists only in this test: if an editor still branched on Prometheus or Datadog, it would show their texts. */
const FAKE_ID = 'faketsdb' as Upstream;

function FakeSettings({ options, onOptionsChange }: UpstreamSettingsProps) {
  return (
    <label>
      Fake endpoint
      <input
        value={options.url}
        onChange={(event) => onOptionsChange({ ...options, url: event.currentTarget.value })}
      />
    </label>
  );
}

const FAKE: UpstreamSpec = {
  id: FAKE_ID,
  label: 'Fake TSDB',
  description: 'A store only this test knows',
  query: {
    language: {
      id: 'fakeql',
      register: (monaco) => monaco.languages.register({ id: 'fakeql' }),
      triggers: ['.'],
    },
    // Its own completion: the metrics the backend's variable resource lists.
    completion: (resources, range) => async (before) => {
      const names = (await resources.variable('metrics(.*)', range())).map((v) => v.text);
      const word = before.split(/\s/).pop() ?? '';
      return {
        suggestions: names
          .filter((n) => n.startsWith(word))
          .map((n) => ({ label: n, insertText: n, kind: 'metric' as const })),
        replaceLength: word.length,
      };
    },
    tooltip: 'FakeQL returning memory in bytes.',
    placeholder: 'SELECT mem FROM hosts',
    examples: [{ label: 'Fake heap', expr: 'SELECT heap FROM apps', description: 'Heap of every app' }],
    minStep: false,
    // Its own formatting of a variable's values: a comma-separated list.
    interpolate: (templateSrv, text, scopedVars) =>
      templateSrv.replace(text, scopedVars, (value: unknown) =>
        Array.isArray(value) ? value.join(',') : String(value)
      ),
    adhocMetrics: (expr) => [expr.replace(/^SELECT (\w+).*$/, '$1')],
  },
  variable: {
    tooltip: 'hosts() or apps()',
    placeholder: 'hosts()',
    examples: [{ query: 'apps()', description: 'every app' }],
  },
  settings: {
    Editor: FakeSettings,
    applies: { maxQueryBytes: false, cacheBytes: true },
    maxResponseTooltip: 'The largest fake answer read.',
    compressionTooltip: 'Ask the fake store for gzip answers.',
    defaults: { compression: true, maxResponseBytes: 64 * 2 ** 20 },
  },
};

const table = UPSTREAMS as Record<string, UpstreamSpec>;

beforeAll(() => {
  table[FAKE_ID] = FAKE;
});
afterAll(() => {
  delete table[FAKE_ID];
});
beforeEach(() => {
  fakeMonacoState.reset();
  setTemplateSrv(fakeTemplateSrv([{ name: 'app', current: ['cart', 'search'], multi: true }]));
});

function fakeDataSource() {
  const ds = new DataSource(instanceSettings({ upstream: FAKE_ID }));
  // The only mock: the backend's resource calls.
  const getResource = jest.spyOn(ds, 'getResource').mockImplementation(async (path: string) => {
    if (path === 'variable') {
      return [
        { text: 'heap', value: 'heap' },
        { text: 'mem', value: 'mem' },
      ] as never;
    }
    return [] as never;
  });
  return { ds, getResource };
}

/** Renders an editor as Grafana does: a controlled component whose value follows its change callback, recorded. */
function renderControlled<T>(initial: T, editor: (value: T, change: (next: T) => void) => React.ReactElement) {
  const changes = jest.fn();
  function Harness() {
    const [value, setValue] = useState(initial);
    return editor(value, (next) => {
      changes(next);
      setValue(next);
    });
  }
  render(<Harness />);
  return changes;
}

describe('a third upstream, added as one entry of the table', () => {
  it('is what the table answers for its id, and the default for an id it does not hold', () => {
    expect(upstreamSpec(FAKE_ID)).toBe(FAKE);
    expect(upstreamSpec('nosuchstore').id).toBe('prometheus');
    expect(upstreamSpec(undefined).id).toBe('prometheus');
  });

  it('gets its own query editor: language, completion, texts and examples, without the options it has not', async () => {
    const user = userEvent.setup({ delay: null });
    const { ds } = fakeDataSource();
    const range = { from: dateTime(1_700_000_000_000), to: dateTime(1_700_003_600_000), raw: { from: '', to: '' } };
    const onChange = renderControlled<MemshapeQuery>({ refId: 'A', expr: '' }, (query, change) => (
      <QueryEditor query={query} datasource={ds} range={range} onRunQuery={() => {}} onChange={change} />
    ));

    const field = screen.getByLabelText('Query', { selector: 'textarea' });
    expect(field).toHaveAttribute('data-language', 'fakeql');
    expect(fakeMonacoState.languages).toEqual([{ id: 'fakeql' }]);
    expect(screen.getByText('SELECT mem FROM hosts')).toBeInTheDocument();
    expect(screen.queryByText(/container_memory_working_set_bytes|system\.mem\.used/)).not.toBeInTheDocument();

    const [provider] = fakeMonacoState.providers;
    expect(provider.language).toBe('fakeql');
    const model = fakeModel('SELECT he', fakeMonacoState.modelIds[0]);
    const result = await provider.provider.provideCompletionItems(
      model,
      model.getPositionAt(9) as never,
      {} as never,
      {} as never
    );
    expect(result!.suggestions.map((s) => s.label)).toEqual(['heap']);

    await user.click(screen.getByRole('button', { name: 'Fake heap' }));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ expr: 'SELECT heap FROM apps' }));

    await user.click(screen.getByRole('button', { name: /^Options/ }));
    expect(screen.getByLabelText('Memory limit')).toBeInTheDocument();
    // Its entry has no limit query and no min step: neither is offered, nor summed up.
    expect(screen.queryByLabelText('Limit query', { selector: 'textarea' })).not.toBeInTheDocument();
    expect(screen.queryByText('Limit examples:')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Min step')).not.toBeInTheDocument();
    expect(screen.queryByText(/Min\u00a0step/)).not.toBeInTheDocument();
  });

  it('gets its own variable editor texts and examples', async () => {
    const user = userEvent.setup({ delay: null });
    const onChange = jest.fn();
    render(
      <VariableQueryEditor
        datasource={fakeDataSource().ds}
        query={{ refId: 'v', query: '' }}
        onChange={onChange}
        onRunQuery={() => {}}
      />
    );
    expect(screen.getByLabelText('Query')).toHaveAttribute('placeholder', 'hosts()');
    expect(screen.queryByText(/label_values|tag_values/)).not.toBeInTheDocument();
    await user.click(screen.getByText('apps()'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', query: 'apps()' });
  });

  it('is offered by the config editor, which shows its settings section, its options and its defaults', async () => {
    const user = userEvent.setup({ delay: null });
    const onOptionsChange = renderControlled<Settings>(settings(), (options, change) => (
      <ConfigEditor options={options} onOptionsChange={change} />
    ));
    expect(screen.getByRole('radio', { name: 'Prometheus' })).toBeChecked();
    expect(screen.queryByLabelText('Fake endpoint')).not.toBeInTheDocument();

    await user.click(screen.getByText('Fake TSDB'));
    expect(onOptionsChange.mock.lastCall[0].jsonData.upstream).toBe(FAKE_ID);
    expect(screen.getByRole('radio', { name: 'Fake TSDB' })).toBeChecked();
    expect(screen.queryByLabelText('Data source connection URL')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('API key')).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Fake endpoint'), 'x');
    expect(onOptionsChange.mock.lastCall[0].url).toBe('x');

    expect(screen.queryByLabelText('Memory per query')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Cache size')).toBeInTheDocument();
    expect(screen.getByLabelText('Response size cap')).toHaveAttribute('placeholder', '64MiB');
    expect(screen.getByLabelText('Compression')).toBeChecked();
  });

  it('is read by the data source: its interpolation and the metrics its ad hoc filters ask about', async () => {
    const { ds, getResource } = fakeDataSource();
    const query = ds.applyTemplateVariables({ refId: 'A', expr: 'SELECT mem FROM apps WHERE app IN ($app)' }, {});
    expect(query.expr).toBe('SELECT mem FROM apps WHERE app IN (cart,search)');

    await ds.getTagKeys({ filters: [], queries: [{ refId: 'A', expr: 'SELECT heap FROM apps' }] });
    expect(getResource).toHaveBeenCalledWith('tag-keys', { metric: ['heap'] });
  });
});
