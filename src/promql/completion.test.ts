import { complete, CompletionData, matchSelector, situationAt } from './completion';

describe('situationAt', () => {
  it.each([
    ['', { kind: 'expression', prefix: '' }],
    ['contai', { kind: 'expression', prefix: 'contai' }],
    ['sum(rate(go_mem', { kind: 'expression', prefix: 'go_mem' }],
    ['x + $na', { kind: 'expression', prefix: '$na' }],
    ['up{', { kind: 'label-name', prefix: '', metric: 'up', matchers: [], used: [] }],
    [
      'container_memory_working_set_bytes{namespace="shop", po',
      {
        kind: 'label-name',
        prefix: 'po',
        metric: 'container_memory_working_set_bytes',
        matchers: ['namespace="shop"'],
        used: ['namespace'],
      },
    ],
    [
      'x{a="1",b=~"2|3", c="',
      { kind: 'label-value', prefix: '', metric: 'x', label: 'c', matchers: ['a="1"', 'b=~"2|3"'], quoted: true },
    ],
    ['x{pod!="api-', { kind: 'label-value', prefix: 'api-', metric: 'x', label: 'pod', matchers: [], quoted: true }],
    ['x{pod=', { kind: 'label-value', prefix: '', metric: 'x', label: 'pod', matchers: [], quoted: false }],
    // A matcher with a template variable is left out of match[]: its value is not known here.
    [
      'x{ns="$namespace", pod="',
      { kind: 'label-value', prefix: '', metric: 'x', label: 'pod', matchers: [], quoted: true },
    ],
    ['{job="a", ', { kind: 'label-name', prefix: '', metric: undefined, matchers: ['job="a"'], used: ['job'] }],
    ['rate(x[', { kind: 'duration', prefix: '' }],
    ['rate(x[5', { kind: 'duration', prefix: '5' }],
    ['sum by (namespace, po', { kind: 'grouping-label', prefix: 'po', metric: undefined, used: ['namespace'] }],
    [
      'max by (namespace, pod) (kube_pod_container_resource_limits{resource="memory"}) / on (',
      { kind: 'grouping-label', prefix: '', metric: 'kube_pod_container_resource_limits', used: [] },
    ],
    ['sum(x) by (', { kind: 'grouping-label', prefix: '', metric: 'x', used: [] }],
    ['x{a="b"} # a comment', { kind: 'none' }],
    ['label_replace(x, "dst', { kind: 'none' }],
    ['x{a="b"}', { kind: 'expression', prefix: '' }],
  ])('%p', (before, expected) => {
    expect(situationAt(before)).toEqual(expected);
  });
});

describe('matchSelector', () => {
  it('builds a match[] selector from the metric and the complete matchers', () => {
    expect(matchSelector('up', ['job="a"'])).toBe('{__name__="up",job="a"}');
    expect(matchSelector(undefined, ['job="a"'])).toBe('{job="a"}');
    expect(matchSelector(undefined, [])).toBeUndefined();
  });
});

describe('complete', () => {
  const data = {
    metricNames: jest.fn(async () => ['container_memory_working_set_bytes', 'go_memstats_heap_inuse_bytes']),
    metricHelp: jest.fn(async () => ({ go_memstats_heap_inuse_bytes: { type: 'gauge', help: 'Heap in use.' } })),
    labelNames: jest.fn(async (_match?: string) => ['__name__', 'namespace', 'pod', 'container']),
    labelValues: jest.fn(async (_label: string, _match?: string) => ['api-1', 'say "hi"']),
    variables: jest.fn(() => ['namespace']),
  } satisfies CompletionData;

  beforeEach(() => jest.clearAllMocks());

  it('offers metrics (with help), functions, aggregations, keywords and variables for an expression', async () => {
    const { suggestions, replaceLength } = await complete('sum(go_', data);
    expect(replaceLength).toBe(3);
    const labels = suggestions.map((s) => s.label);
    expect(labels).toEqual(
      expect.arrayContaining(['go_memstats_heap_inuse_bytes', 'rate', 'predict_linear', 'sum', 'by', '$namespace'])
    );
    expect(suggestions.find((s) => s.label === 'go_memstats_heap_inuse_bytes')).toMatchObject({
      kind: 'metric',
      detail: 'gauge',
      documentation: 'Heap in use.',
    });
    expect(suggestions.find((s) => s.label === 'histogram_quantile')).toMatchObject({ kind: 'function' });
  });

  it('still offers metric names when metadata fails', async () => {
    data.metricHelp.mockRejectedValueOnce(new Error('metadata: 404'));
    const { suggestions } = await complete('go', data);
    expect(suggestions.map((s) => s.label)).toContain('go_memstats_heap_inuse_bytes');
  });

  it('offers the label names of the metric, without __name__ and those already used', async () => {
    const { suggestions } = await complete('container_memory_working_set_bytes{namespace="shop", ', data);
    expect(data.labelNames).toHaveBeenCalledWith('{__name__="container_memory_working_set_bytes",namespace="shop"}');
    expect(suggestions.map((s) => s.label)).toEqual(['pod', 'container']);
  });

  it('offers label values escaped inside quotes, quoted outside them, and variables', async () => {
    const inside = await complete('x{pod="', data);
    expect(data.labelValues).toHaveBeenCalledWith('pod', '{__name__="x"}');
    expect(inside.suggestions.map((s) => s.insertText)).toEqual(['api-1', 'say \\"hi\\"', '$namespace']);

    const outside = await complete('x{pod=', data);
    expect(outside.suggestions.map((s) => s.insertText)).toEqual(['"api-1"', '"say \\"hi\\""', '"$namespace"']);
  });

  it('offers durations and the backend macros in a range selector', async () => {
    const { suggestions } = await complete('rate(x[', data);
    expect(suggestions.map((s) => s.label)).toEqual(expect.arrayContaining(['$__rate_interval', '5m', '1h']));
  });

  it('offers label names of the expression metric in by (…)', async () => {
    const { suggestions } = await complete('sum by (namespace, ', { ...data });
    expect(suggestions.map((s) => s.label)).toEqual(['pod', 'container']);
  });

  it('offers nothing inside a comment', async () => {
    expect(await complete('x # note', data)).toEqual({ suggestions: [], replaceLength: 0 });
  });
});
