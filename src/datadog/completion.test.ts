import { completeDatadog, datadogMetricNames, datadogSituationAt, DatadogCompletionData, tagKeys } from './completion';

describe('datadogSituationAt', () => {
  it.each([
    ['', { kind: 'metric', prefix: '', aggregated: false }],
    ['sys', { kind: 'metric', prefix: 'sys', aggregated: false }],
    ['avg:system.me', { kind: 'metric', prefix: 'system.me', aggregated: true }],
    ['avg:a{*} / max:kub', { kind: 'metric', prefix: 'kub', aggregated: true }],
    ['top(avg:sys', { kind: 'metric', prefix: 'sys', aggregated: true }],
    ['avg:system.mem.used{', { kind: 'tag-key', prefix: '', metric: 'system.mem.used', group: false }],
    ['avg:system.mem.used{env:prod,ho', { kind: 'tag-key', prefix: 'ho', metric: 'system.mem.used', group: false }],
    ['avg:m{env:prod,!ho', { kind: 'tag-key', prefix: 'ho', metric: 'm', group: false }],
    ['avg:m{env:prod AND ho', { kind: 'tag-key', prefix: 'ho', metric: 'm', group: false }],
    ['avg:m{env:pr', { kind: 'tag-value', prefix: 'pr', metric: 'm', key: 'env' }],
    ['avg:m{env:prod,!host:web-', { kind: 'tag-value', prefix: 'web-', metric: 'm', key: 'host' }],
    ['avg:m{env:prod AND service IN (api, we', { kind: 'tag-value', prefix: 'we', metric: 'm', key: 'service' }],
    ['avg:m{*} by {', { kind: 'tag-key', prefix: '', metric: 'm', group: true }],
    ['avg:m{env:x} BY {host,po', { kind: 'tag-key', prefix: 'po', metric: 'm', group: true }],
    ["top(avg:m{*} by {pod}, 10, 'ma", { kind: 'none' }],
  ])('%p', (before, want) => {
    expect(datadogSituationAt(before)).toEqual(want);
  });
});

describe('completeDatadog', () => {
  const data: DatadogCompletionData = {
    metricNames: async () => ['kubernetes.memory.usage', 'system.mem.used'],
    tags: async (metric) => (metric === 'system.mem.used' ? ['env:prod', 'env:stage', 'host:web-1', 'bare'] : []),
    variables: () => ['env'],
  };

  it('offers aggregators, metric names and functions where a metric query starts', async () => {
    const { suggestions, replaceLength } = await completeDatadog('sys', data);
    expect(replaceLength).toBe(3);
    expect(suggestions.map((s) => s.label)).toEqual(
      expect.arrayContaining(['avg:', 'sum:', 'kubernetes.memory.usage', 'system.mem.used', 'rollup', 'top'])
    );
    const afterAggregator = await completeDatadog('avg:sys', data);
    expect(afterAggregator.suggestions.map((s) => s.label)).toEqual(['kubernetes.memory.usage', 'system.mem.used']);
  });

  it("offers the metric's tag keys, then the key's values and the dashboard variables", async () => {
    const keys = await completeDatadog('avg:system.mem.used{', data);
    expect(keys.suggestions.map((s) => s.insertText)).toEqual(['env:', 'host:', '*']);
    const values = await completeDatadog('avg:system.mem.used{host:web-1,env:', data);
    expect(values.suggestions.map((s) => s.insertText)).toEqual(['prod', 'stage', '$env']);
    expect(values.replaceLength).toBe(0);
  });

  it('offers nothing inside a string', async () => {
    expect(await completeDatadog("top(avg:m{*}, 10, 'me", data)).toEqual({ suggestions: [], replaceLength: 0 });
  });
});

describe('datadogMetricNames', () => {
  it('reads every metric of a query, never a group', () => {
    expect(datadogMetricNames('avg:a.b{*} by {pod} / sum:c{env:x} BY {pod} + a.b{z:1}')).toEqual(['a.b', 'c']);
    expect(datadogMetricNames("top(avg:kubernetes.memory.usage{*} by {pod_name}, 10, 'max', 'desc')")).toEqual([
      'kubernetes.memory.usage',
    ]);
    expect(datadogMetricNames('')).toEqual([]);
  });

  it('reads tag keys of key:value tags only', () => {
    expect(tagKeys(['env:prod', 'bare', 'image:repo:1.2', 'env:stage'])).toEqual(['env', 'image']);
  });
});
