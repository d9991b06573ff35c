import React, { useState } from 'react';
import { CoreApp, dateTime } from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { DataSource } from '../datasource';
import { DATADOG_LANGUAGE_ID } from '../datadog/language';
import { PROMQL_LANGUAGE_ID } from '../promql/language';
import { fakeModel, fakeMonacoState } from '../testing/FakeCodeEditor';
import { instanceSettings } from '../testing/instanceSettings';
import { fakeTemplateSrv } from '../testing/templateSrv';
import { MemshapeQuery } from '../types';
import { QueryEditor } from './QueryEditor';

// Monaco does not run in jsdom: a textarea with CodeEditor's callbacks stands in (see FakeCodeEditor).
jest.mock('@grafana/ui', () => ({
  ...jest.requireActual('@grafana/ui'),
  CodeEditor: jest.requireActual('../testing/FakeCodeEditor').FakeCodeEditor,
}));

jest.setTimeout(60_000); // a hang guard only

const range = { from: dateTime(1_700_000_000_000), to: dateTime(1_700_003_600_000), raw: { from: '', to: '' } };

/** The backend's Prometheus API proxy, as CONTRACT.md describes its answers. */
const RESOURCES: Record<string, unknown> = {
  'api/v1/label/__name__/values': {
    status: 'success',
    data: ['container_memory_working_set_bytes', 'go_memstats_heap_inuse_bytes', 'process_resident_memory_bytes'],
  },
  'api/v1/metadata': {
    status: 'success',
    data: { go_memstats_heap_inuse_bytes: [{ type: 'gauge', help: 'Number of bytes in in-use spans.', unit: '' }] },
  },
  'api/v1/labels': { status: 'success', data: ['__name__', 'container', 'namespace', 'pod'] },
  'api/v1/label/pod/values': { status: 'success', data: ['api-1', 'api-7'] },
  // The backend's Datadog listings: metric names, and a metric's tags as key:value.
  'datadog/metrics': ['container.memory.usage', 'kubernetes.memory.usage', 'system.mem.used'],
  'datadog/tags': ['kube_namespace:shop', 'kube_namespace:search', 'pod_name:cart-0', 'pod_name:cart-1'],
};

function datasourceFor(upstream: 'prometheus' | 'datadog') {
  const ds = new DataSource(instanceSettings({ upstream }));
  // The only mock: the backend's resource calls.
  const getResource = jest.spyOn(ds, 'getResource').mockImplementation(async (path: string, params?: unknown) => {
    if (!(path in RESOURCES)) {
      throw new Error(`unexpected resource ${path}`);
    }
    if (path === 'datadog/tags' && (params as { metric?: string })?.metric !== 'kubernetes.memory.usage') {
      return [] as never;
    }
    return RESOURCES[path] as never;
  });
  return { ds, getResource };
}

/** Renders the editor as Grafana does: the query follows onChange. */
function renderEditor(initial: MemshapeQuery, options: { upstream?: 'prometheus' | 'datadog'; app?: CoreApp } = {}) {
  const user = userEvent.setup({ delay: null });
  const { ds, getResource } = datasourceFor(options.upstream ?? 'prometheus');
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={ds}
        range={range}
        app={options.app}
        onRunQuery={onRunQuery}
        onChange={(next) => {
          onChange(next);
          setQuery(next);
        }}
      />
    );
  }
  const view = render(<Harness />);
  const lastQuery = (): MemshapeQuery => onChange.mock.calls[onChange.mock.calls.length - 1][0];
  const fill = async (element: HTMLElement, text: string) => {
    await user.click(element);
    await user.paste(text);
  };
  /** Unfolds the Options row (folded at first, as in Grafana's Prometheus editor). */
  const openOptions = async () => {
    const toggle = optionsToggle();
    if (toggle.getAttribute('aria-expanded') !== 'true') {
      await user.click(toggle);
    }
  };
  return { user, onChange, onRunQuery, lastQuery, fill, getResource, view, openOptions };
}

/** Calls the registered provider with a model of this editor holding `text`, the cursor at its end. */
async function completeIn(text: string, fieldName = 'Query') {
  const live = fakeMonacoState.providers.filter((p) => !p.disposed);
  const entry = fieldName === 'Query' ? live[0] : live[live.length - 1];
  const field = screen.getByLabelText(fieldName, { selector: 'textarea' }) as HTMLTextAreaElement;
  field.value = text;
  // The editor's own model: the provider checks the id against the editor's model.
  const ids = fakeMonacoState.modelIds;
  const ownId = fieldName === 'Query' ? ids[0] : ids[ids.length - 1];
  const model = fakeModel(text, ownId);
  const result = await entry.provider.provideCompletionItems(
    model,
    model.getPositionAt(text.length) as never,
    {} as never,
    {} as never
  );
  return result!.suggestions;
}

const optionsToggle = () => screen.getByRole('button', { name: /^Options/ });

beforeEach(() => {
  fakeMonacoState.reset();
  setTemplateSrv(fakeTemplateSrv([{ name: 'namespace', current: 'shop' }]));
});

describe('QueryEditor: the code field', () => {
  it('is a PromQL code editor that edits the expression and runs the query on blur', async () => {
    const { fill, user, lastQuery, onRunQuery } = renderEditor({ refId: 'A', expr: '' });
    const field = screen.getByLabelText('Query', { selector: 'textarea' });
    expect(field).toHaveAttribute('data-language', PROMQL_LANGUAGE_ID);
    await fill(field, 'process_resident_memory_bytes');
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'process_resident_memory_bytes' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('runs on Shift+Enter without a new line', async () => {
    const { fill, user, lastQuery, onRunQuery } = renderEditor({ refId: 'A', expr: '' });
    const field = screen.getByLabelText('Query', { selector: 'textarea' });
    await fill(field, 'go_memstats_heap_inuse_bytes');
    await user.keyboard('{Shift>}{Enter}{/Shift}');
    expect(lastQuery().expr).toBe('go_memstats_heap_inuse_bytes');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(field).toHaveValue('go_memstats_heap_inuse_bytes');
  });

  it('registers the PromQL language once, with a tokenizer that knows functions and keywords', () => {
    renderEditor({ refId: 'A', expr: '' });
    renderEditor({ refId: 'B', expr: '' });
    expect(fakeMonacoState.languages.filter((l) => l.id === PROMQL_LANGUAGE_ID)).toHaveLength(1);
    const tokenizer = fakeMonacoState.tokenizers.get(PROMQL_LANGUAGE_ID) as { functions: string[]; keywords: string[] };
    expect(tokenizer.functions).toEqual(
      expect.arrayContaining(['rate', 'sum', 'predict_linear', 'histogram_quantile'])
    );
    expect(tokenizer.keywords).toEqual(expect.arrayContaining(['by', 'without', 'offset']));
  });

  it('is a Datadog code field with Datadog examples, completing metric names and tags', async () => {
    const { user, lastQuery, getResource } = renderEditor({ refId: 'A', expr: '' }, { upstream: 'datadog' });
    const field = screen.getByLabelText('Query', { selector: 'textarea' });
    expect(field).toHaveAttribute('data-language', DATADOG_LANGUAGE_ID);
    expect(fakeMonacoState.languages.map((l) => l.id)).toContain(DATADOG_LANGUAGE_ID);
    expect(screen.queryByText('Container working set')).not.toBeInTheDocument();
    await user.click(screen.getByText('Host memory used'));
    expect(lastQuery().expr).toBe('avg:system.mem.used{*} by {host}');

    const metrics = await completeIn('avg:kube');
    expect(getResource).toHaveBeenCalledWith('datadog/metrics', { start: 1_700_000_000, end: 1_700_003_600 });
    expect(metrics.map((s) => s.label)).toEqual([
      'container.memory.usage',
      'kubernetes.memory.usage',
      'system.mem.used',
    ]);
    expect(metrics[0].range).toEqual({ startLineNumber: 1, startColumn: 5, endLineNumber: 1, endColumn: 9 });

    const keys = await completeIn('avg:kubernetes.memory.usage{');
    expect(getResource).toHaveBeenCalledWith('datadog/tags', {
      start: 1_700_000_000,
      end: 1_700_003_600,
      metric: 'kubernetes.memory.usage',
    });
    expect(keys.map((s) => s.insertText)).toEqual(['kube_namespace:', 'pod_name:', '*']);
    const values = await completeIn('avg:kubernetes.memory.usage{kube_namespace:shop,pod_name:ca');
    expect(values.map((s) => s.insertText)).toEqual(['cart-0', 'cart-1', '$namespace']);
    const group = await completeIn('avg:kubernetes.memory.usage{*} by {');
    expect(group.map((s) => s.insertText)).toEqual(['kube_namespace', 'pod_name']);
  });
});

describe('QueryEditor: completion through the resource API', () => {
  it('completes metric names with their help, and functions', async () => {
    const { getResource } = renderEditor({ refId: 'A', expr: '' });
    const suggestions = await completeIn('go_mem');
    expect(getResource).toHaveBeenCalledWith('api/v1/label/__name__/values', {
      start: 1_700_000_000,
      end: 1_700_003_600,
    });
    expect(getResource).toHaveBeenCalledWith('api/v1/metadata', {});
    const metric = suggestions.find((s) => s.label === 'go_memstats_heap_inuse_bytes')!;
    expect(metric).toMatchObject({ documentation: 'Number of bytes in in-use spans.', detail: 'gauge' });
    // The typed word is what the suggestion replaces.
    expect(metric.range).toEqual({ startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 7 });
    expect(suggestions.map((s) => s.label)).toEqual(expect.arrayContaining(['rate', 'sum', 'by', '$namespace']));
  });

  it('completes label names for the metric and label values with match[]', async () => {
    const { getResource } = renderEditor({ refId: 'A', expr: '' });
    const names = await completeIn('container_memory_working_set_bytes{namespace="shop", ');
    expect(getResource).toHaveBeenCalledWith('api/v1/labels', {
      start: 1_700_000_000,
      end: 1_700_003_600,
      'match[]': '{__name__="container_memory_working_set_bytes",namespace="shop"}',
    });
    expect(names.map((s) => s.label)).toEqual(['container', 'pod']);

    const values = await completeIn('container_memory_working_set_bytes{namespace="shop", pod="');
    expect(getResource).toHaveBeenCalledWith('api/v1/label/pod/values', {
      start: 1_700_000_000,
      end: 1_700_003_600,
      'match[]': '{__name__="container_memory_working_set_bytes",namespace="shop"}',
    });
    expect(values.map((s) => s.insertText)).toEqual(['api-1', 'api-7', '$namespace']);
  });

  it('answers only for its own editor, gives nothing when the upstream cannot answer, and is removed on unmount', async () => {
    const { getResource, view } = renderEditor({ refId: 'A', expr: '' });
    const entry = fakeMonacoState.providers[0];
    const foreign = await entry.provider.provideCompletionItems(
      fakeModel('go', 'someone-else'),
      { lineNumber: 1, column: 3 } as never,
      {} as never,
      {} as never
    );
    expect(foreign!.suggestions).toEqual([]);

    getResource.mockRejectedValue(new Error('501 Not Implemented'));
    expect(await completeIn('x{pod="')).toEqual([]);

    view.unmount();
    expect(entry.disposed).toBe(true);
  });
});

describe('QueryEditor: examples and legend', () => {
  it('fills the query from an example and runs it', async () => {
    const { user, lastQuery, onRunQuery } = renderEditor({ refId: 'A', expr: '' });
    await user.click(screen.getByText('Container working set'));
    expect(lastQuery()).toMatchObject({
      expr: 'container_memory_working_set_bytes{namespace="$namespace", container!=""}',
      legendFormat: '{{pod}}/{{container}}',
    });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    for (const label of ['Process RSS', 'JVM heap', 'Go heap']) {
      await user.click(screen.getByText(label));
    }
    expect(lastQuery().expr).toBe('go_memstats_heap_inuse_bytes');
    expect(screen.getByLabelText('Query', { selector: 'textarea' })).toHaveValue('go_memstats_heap_inuse_bytes');
  });

  it('switches the legend between Auto, Verbatim and a custom template', async () => {
    const { user, fill, lastQuery, openOptions } = renderEditor({ refId: 'A', expr: 'up' });
    await openOptions();
    const legend = within(screen.getByRole('radiogroup', { name: 'Legend' }));
    expect(legend.getByLabelText('Auto')).toBeChecked();
    await user.click(screen.getByLabelText('Verbatim'));
    expect(lastQuery().legendFormat).toBe('__verbatim');
    await user.click(screen.getByLabelText('Custom'));
    await fill(screen.getByLabelText('Template'), '{{pod}}');
    await user.tab();
    expect(lastQuery().legendFormat).toBe('{{pod}}');
    await user.click(legend.getByLabelText('Auto'));
    expect(lastQuery().legendFormat).toBe('__auto');
  });

  it('opens a saved custom legend as Custom', async () => {
    const { openOptions } = renderEditor({ refId: 'A', expr: 'up', legendFormat: '{{namespace}}/{{pod}}' });
    await openOptions();
    expect(screen.getByLabelText('Custom')).toBeChecked();
    expect(screen.getByLabelText('Template')).toHaveValue('{{namespace}}/{{pod}}');
  });
});

describe('QueryEditor: the options row', () => {
  it("is folded at first, with every option summed up in one line, as Grafana's Prometheus editor", async () => {
    const { user } = renderEditor({
      refId: 'A',
      expr: 'up',
      limitBytes: 2 ** 31,
      sensitivity: 'high',
      analysisWindow: '14d',
      legendFormat: '{{pod}}',
      interval: '5m',
    });
    const toggle = optionsToggle();
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByLabelText('Memory limit')).not.toBeInTheDocument();
    for (const part of [
      'Legend: {{pod}}',
      'Limit: 2GiB',
      'Sensitivity: High',
      'Window: 14d',
      'Output: All',
      'Min step: 5m',
    ]) {
      expect(screen.getByText(part)).toBeInTheDocument();
    }
    await user.click(toggle);
    expect(optionsToggle()).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByLabelText('Memory limit')).toHaveValue('2GiB');
    expect(screen.queryByText('Sensitivity: High')).not.toBeInTheDocument();
  });

  it('in an alert rule shows only what alerting reads: limits, sensitivity, window, grouping and the alert value', async () => {
    const { openOptions } = renderEditor(
      { refId: 'A', expr: 'up', output: 'all', legendFormat: '{{pod}}' },
      { app: CoreApp.UnifiedAlerting }
    );
    expect(screen.getByText('Alert value: Leak confidence')).toBeInTheDocument();
    expect(screen.queryByText(/^Legend:/)).not.toBeInTheDocument();
    expect(screen.queryByText(/^Output:/)).not.toBeInTheDocument();
    expect(screen.queryByText(/^Min step:/)).not.toBeInTheDocument();
    await openOptions();
    expect(screen.getByLabelText('Memory limit')).toBeInTheDocument();
    expect(screen.getByLabelText('Limit query', { selector: 'textarea' })).toBeInTheDocument();
    expect(screen.getByRole('radiogroup', { name: 'Sensitivity' })).toBeInTheDocument();
    expect(screen.getByRole('radiogroup', { name: 'Analysis window' })).toBeInTheDocument();
    // An alert rule fires per workload when it judges by workload: the choice is the rule's too.
    expect(screen.getByRole('radiogroup', { name: 'Judge by' })).toBeInTheDocument();
    expect(screen.getByLabelText('Leak confidence')).toBeChecked();
    expect(screen.queryByRole('radiogroup', { name: 'Legend' })).not.toBeInTheDocument();
    expect(screen.queryByRole('radiogroup', { name: 'Output' })).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Min step')).not.toBeInTheDocument();
  });

  it('shows the dashboard filters a query carries (from Explore) and removes one on click', async () => {
    const { user, lastQuery, onRunQuery } = renderEditor({
      refId: 'A',
      expr: 'up',
      adhocFilters: [
        { key: 'namespace', operator: '=', value: 'shop' },
        { key: 'pod', operator: '=|', value: '', values: ['a', 'b'] },
      ],
    });
    expect(screen.getByText('Filters from the dashboard:')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'namespace = shop' }));
    expect(lastQuery().adhocFilters).toEqual([{ key: 'pod', operator: '=|', value: '', values: ['a', 'b'] }]);
    await user.click(screen.getByRole('button', { name: 'pod =| a, b' }));
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'up' });
    expect(onRunQuery).toHaveBeenCalledTimes(2);
    expect(screen.queryByText('Filters from the dashboard:')).not.toBeInTheDocument();
  });
});

describe('QueryEditor: memory limit', () => {
  it.each([
    ['2GiB', 2147483648],
    ['512MiB', 536870912],
    ['1.5e9', 1500000000],
  ])('parses %p into bytes and runs', async (text, bytes) => {
    const { fill, user, lastQuery, onRunQuery, openOptions } = renderEditor({ refId: 'A', expr: 'up' });
    await openOptions();
    await fill(screen.getByLabelText('Memory limit'), text);
    await user.tab();
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'up', limitBytes: bytes });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('keeps the query unrun while the limit is not a size, says why, and runs once it is fixed', async () => {
    const { fill, user, onChange, onRunQuery, lastQuery, openOptions } = renderEditor({
      refId: 'A',
      expr: 'up',
      limitBytes: 2 ** 30,
    });
    await openOptions();
    const limit = screen.getByLabelText('Memory limit');
    await user.clear(limit);
    await fill(limit, 'lots');
    await user.tab();
    expect(screen.getByText(/"lots" is not a size/)).toBeInTheDocument();
    expect(screen.getByText(/does not run until this is fixed/)).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();

    // Nothing else runs the query meanwhile: not the code field, not an option.
    await user.click(screen.getByLabelText('Query', { selector: 'textarea' }));
    await user.tab();
    await user.click(screen.getByLabelText('High'));
    expect(lastQuery().sensitivity).toBe('high');
    expect(onRunQuery).not.toHaveBeenCalled();
    // Folded, the row still says what waits.
    await user.click(optionsToggle());
    expect(screen.getByText('Limit: "lots" is not a size')).toBeInTheDocument();
    await openOptions();

    await user.clear(screen.getByLabelText('Memory limit'));
    await fill(screen.getByLabelText('Memory limit'), '4GiB');
    await user.tab();
    expect(screen.queryByText(/is not a size/)).not.toBeInTheDocument();
    expect(lastQuery().limitBytes).toBe(4 * 2 ** 30);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows a stored limit in binary units and clears it', async () => {
    const { user, lastQuery, openOptions } = renderEditor({ refId: 'A', expr: 'up', limitBytes: 2147483648 });
    await openOptions();
    const limit = screen.getByLabelText('Memory limit');
    expect(limit).toHaveValue('2GiB');
    await user.clear(limit);
    await user.tab();
    expect(lastQuery().limitBytes).toBeUndefined();
  });

  it('takes a limit query in the same PromQL code editor, with completion, typed or from an example', async () => {
    const { user, fill, lastQuery, openOptions, onRunQuery } = renderEditor({ refId: 'A', expr: 'up' });
    await openOptions();
    const field = screen.getByLabelText('Limit query', { selector: 'textarea' });
    expect(field).toHaveAttribute('data-language', PROMQL_LANGUAGE_ID);
    await fill(field, 'container_spec_memory_limit_bytes');
    await user.tab();
    expect(lastQuery().limitExpr).toBe('container_spec_memory_limit_bytes');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    await user.click(screen.getByText('Pod limit (kube-state-metrics)'));
    expect(lastQuery().limitExpr).toBe(
      'max by (namespace, pod) (kube_pod_container_resource_limits{resource="memory"})'
    );
    expect(screen.getByLabelText('Limit query', { selector: 'textarea' })).toHaveValue(
      'max by (namespace, pod) (kube_pod_container_resource_limits{resource="memory"})'
    );
    // One completion provider per code field, each answering for its own.
    expect(fakeMonacoState.providers.filter((p) => !p.disposed)).toHaveLength(2);
    const values = await completeIn('kube_pod_info{pod="', 'Limit query');
    expect(values.map((s) => s.insertText)).toEqual(['api-1', 'api-7', '$namespace']);
    await fill(screen.getByLabelText('Limit query', { selector: 'textarea' }), ' ');
    await user.clear(screen.getByLabelText('Limit query', { selector: 'textarea' }));
    await user.tab();
    expect(lastQuery()).not.toHaveProperty('limitExpr');
  });
});

describe('QueryEditor: options', () => {
  it('sets sensitivity, analysis window and output, running each time', async () => {
    const { user, lastQuery, onRunQuery, openOptions } = renderEditor({ refId: 'A', expr: 'up' });
    await openOptions();
    expect(screen.getByLabelText('Normal')).toBeChecked();
    expect(screen.getByLabelText('All')).toBeChecked();
    await user.click(screen.getByLabelText('High'));
    await user.click(screen.getByLabelText('14d'));
    await user.click(screen.getByLabelText('Verdicts'));
    expect(lastQuery()).toEqual({
      refId: 'A',
      expr: 'up',
      sensitivity: 'high',
      analysisWindow: '14d',
      output: 'verdicts',
    });
    expect(onRunQuery).toHaveBeenCalledTimes(3);
    expect(screen.queryByLabelText('Growing series')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('Annotations'));
    expect(lastQuery().output).toBe('annotations');
    expect(screen.getByLabelText('All series')).toBeChecked();
    await user.click(screen.getByLabelText('Growing series'));
    expect(lastQuery()).toMatchObject({ output: 'annotations', annotate: 'growing' });
  });

  it('shows the alert value only for the alert output, and sets it', async () => {
    const { user, lastQuery, openOptions } = renderEditor({ refId: 'A', expr: 'up' });
    await openOptions();
    expect(screen.queryByLabelText('Hours to limit')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('Alert'));
    expect(screen.getByLabelText('Leak confidence')).toBeChecked();
    await user.click(screen.getByLabelText('Hours to limit'));
    expect(lastQuery()).toMatchObject({ output: 'alert', alertValue: 'hours_to_limit' });
    await user.click(screen.getByLabelText('Any growth shape'));
    expect(lastQuery().alertValue).toBe('growth_confidence');
    await user.click(screen.getByLabelText('Growth bytes/h'));
    expect(lastQuery().alertValue).toBe('growth_bytes_per_hour');
  });

  it('judges by workload, by each series or by labels, refusing what is not a label name', async () => {
    const { user, fill, lastQuery, onRunQuery, onChange, openOptions } = renderEditor({ refId: 'A', expr: 'up' });
    expect(screen.getByText('Judge by: Auto')).toBeInTheDocument();
    await openOptions();
    const judgeBy = screen.getByRole('radiogroup', { name: 'Judge by' });
    expect(within(judgeBy).getByLabelText('Auto')).toBeChecked();
    await user.click(within(judgeBy).getByLabelText('Each series'));
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'up', groupBy: 'series' });
    await user.click(within(judgeBy).getByLabelText('Workload'));
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'up', groupBy: 'workload' });
    expect(onRunQuery).toHaveBeenCalledTimes(2);

    // Labels: nothing changes until names are typed; a bad name keeps the query unrun and says why.
    const calls = onChange.mock.calls.length;
    await user.click(within(judgeBy).getByLabelText('Labels'));
    expect(onChange).toHaveBeenCalledTimes(calls);
    const labels = screen.getByPlaceholderText('namespace, service');
    await fill(labels, 'namespace, 9lives');
    await user.tab();
    expect(screen.getByText(/"9lives" is not a label name/)).toBeInTheDocument();
    expect(onChange).toHaveBeenCalledTimes(calls);
    await user.clear(labels);
    await fill(labels, ' namespace, service ,namespace');
    await user.tab();
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'up', groupBy: ['namespace', 'service'] });
    expect(onRunQuery).toHaveBeenCalledTimes(3);

    // Back to Auto: the option leaves the saved query (the backend's default).
    await user.click(within(judgeBy).getByLabelText('Auto'));
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'up' });
  });

  it('opens a saved grouping by labels with its names, summed up in the folded row', async () => {
    const { openOptions } = renderEditor({ refId: 'A', expr: 'up', groupBy: ['namespace', 'service'] });
    expect(screen.getByText('Judge by: namespace, service')).toBeInTheDocument();
    await openOptions();
    expect(within(screen.getByRole('radiogroup', { name: 'Judge by' })).getByLabelText('Labels')).toBeChecked();
    expect(screen.getByPlaceholderText('namespace, service')).toHaveValue('namespace, service');
  });

  it('takes a min step for the series drawn, refusing what is not a step', async () => {
    const { user, fill, lastQuery, onRunQuery, onChange, openOptions } = renderEditor({ refId: 'A', expr: 'up' });
    await openOptions();
    const step = screen.getByLabelText('Min step');
    await fill(step, 'soon');
    await user.tab();
    expect(screen.getByText(/"soon" is not a step/)).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
    await user.clear(step);
    await fill(step, '5m');
    await user.tab();
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'up', interval: '5m' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    // Outputs without series drawn have no step to set.
    await user.click(screen.getByLabelText('Verdicts'));
    expect(screen.queryByLabelText('Min step')).not.toBeInTheDocument();
  });
});
