import { TimeRange } from '@grafana/data';

import type { Completion, Suggestion } from '../promql/completion';
import { answerCache } from '../promql/provider';
import type { PromResources } from '../resources';

/** What Datadog completion reads from the upstream (through the backend's datadog/* resources). */
export interface DatadogCompletionData {
  /** Names of the metrics reporting in the range. */
  metricNames(): Promise<string[]>;
  /** A metric's tags as `key:value` (the hosts' tags without a metric). */
  tags(metric?: string): Promise<string[]>;
  /** Dashboard variable names, offered as `$name`. */
  variables?(): string[];
}

/** Where the cursor is in a Datadog metrics query, as far as completion cares. */
export type DatadogSituation =
  /** A metric name (after an optional space aggregator such as `avg:`), an aggregator or a function. */
  | { kind: 'metric'; prefix: string; aggregated: boolean }
  /** A tag key in a scope (`{env:prod, ho`) or a group (`by {po`). */
  | { kind: 'tag-key'; prefix: string; metric?: string; group: boolean }
  /** A tag value after `key:` in a scope, or in `key IN (…)`. */
  | { kind: 'tag-value'; prefix: string; metric?: string; key: string }
  | { kind: 'none' };

export const SPACE_AGGREGATORS = ['avg', 'sum', 'min', 'max'];

/** Functions of Datadog's metrics queries that keep a memory series a series (not an exhaustive list). */
export const DATADOG_FUNCTIONS: Array<{ name: string; args: string; doc: string }> = [
  {
    name: 'rollup',
    args: 'avg, 300',
    doc: 'Time aggregation and interval (Memory Shape adds one from the panel step)',
  },
  { name: 'fill', args: 'last, 300', doc: 'Fill gaps in the series' },
  { name: 'top', args: "query, 10, 'max', 'desc'", doc: 'The top N series by a reducer' },
  { name: 'bottom', args: "query, 10, 'max', 'desc'", doc: 'The bottom N series by a reducer' },
  { name: 'abs', args: 'query', doc: 'Absolute value' },
  { name: 'timeshift', args: 'query, -3600', doc: 'Shift the series in time (seconds)' },
  { name: 'week_before', args: 'query', doc: 'The same series a week earlier' },
  { name: 'ewma_10', args: 'query', doc: 'Exponentially weighted moving average over 10 points' },
  { name: 'median_9', args: 'query', doc: 'Rolling median over 9 points' },
];

// Characters of a tag key or value, and of a metric name.
const TAG_TOKEN = /[\w.\-/*@]*$/;
const METRIC_BEFORE_BRACE = /([a-zA-Z][\w.]*)\s*$/;

/** Unclosed braces and parentheses before the cursor (innermost last); undefined inside a quoted string. */
function openBrackets(text: string): Array<{ char: string; at: number }> | undefined {
  const open: Array<{ char: string; at: number }> = [];
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) {
        quote = undefined;
      }
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '{' || c === '(') {
      open.push({ char: c, at: i });
    } else if (c === '}' || c === ')') {
      open.pop();
    }
  }
  return quote ? undefined : open;
}

/** The metric right before a scope's brace: `avg:system.mem.used{` → system.mem.used. */
function metricBefore(text: string, brace: number): string | undefined {
  const name = METRIC_BEFORE_BRACE.exec(text.slice(0, brace))?.[1];
  return name && name.toLowerCase() !== 'by' ? name : undefined;
}

/** The metric a `by {…}` group belongs to: the one before the scope that ends `head` (`avg:m{*}` → m). */
function groupMetric(head: string): string | undefined {
  if (!head.endsWith('}')) {
    return metricBefore(head, head.length);
  }
  const open = head.lastIndexOf('{');
  return open >= 0 ? metricBefore(head, open) : undefined;
}

/** Works out what to complete at the end of `before` (the query from its start to the cursor). */
export function datadogSituationAt(before: string): DatadogSituation {
  const open = openBrackets(before);
  if (!open) {
    return { kind: 'none' };
  }
  const braceIndex = open.map((o) => o.char).lastIndexOf('{');
  const brace = braceIndex >= 0 ? open[braceIndex] : undefined;
  if (brace) {
    const head = before.slice(0, brace.at).trimEnd();
    const group = /(^|[^\w.])by$/i.test(head);
    const metric = group ? groupMetric(head.slice(0, -2).trimEnd()) : metricBefore(before, brace.at);
    const inside = before.slice(brace.at + 1);
    // key IN (a, b, …
    const inList = /([\w.\-/@]+)\s+(?:NOT\s+)?IN\s*\(([^()]*)$/i.exec(inside);
    if (inList && !group) {
      const prefix = TAG_TOKEN.exec(inList[2])?.[0] ?? '';
      return { kind: 'tag-value', prefix, metric, key: inList[1] };
    }
    const token = (/[!\w.\-/*:@]*$/.exec(inside)?.[0] ?? '').replace(/^!/, '');
    const colon = token.indexOf(':');
    if (colon >= 0 && !group) {
      return { kind: 'tag-value', prefix: token.slice(colon + 1), metric, key: token.slice(0, colon) };
    }
    return { kind: 'tag-key', prefix: token, metric, group };
  }
  const token = /[\w.:$]*$/.exec(before)?.[0] ?? '';
  const colon = token.lastIndexOf(':');
  return colon >= 0
    ? { kind: 'metric', prefix: token.slice(colon + 1), aggregated: true }
    : { kind: 'metric', prefix: token, aggregated: false };
}

/** Tag keys of `key:value` tags, sorted, each once. */
export function tagKeys(tags: string[]): string[] {
  return [...new Set(tags.filter((t) => t.indexOf(':') > 0).map((t) => t.slice(0, t.indexOf(':'))))].sort();
}

/** Values of `key` among `key:value` tags, sorted, each once. */
export function tagValues(tags: string[], key: string): string[] {
  const prefix = `${key}:`;
  return [...new Set(tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length)))]
    .filter(Boolean)
    .sort();
}

/** Completion at the end of `before`: what to offer and how much of the typed text it replaces. */
export async function completeDatadog(before: string, data: DatadogCompletionData): Promise<Completion> {
  const situation = datadogSituationAt(before);
  const variables = (): Suggestion[] =>
    (data.variables?.() ?? []).map((v) => ({
      label: `$${v}`,
      insertText: `$${v}`,
      kind: 'variable',
      detail: 'dashboard variable',
    }));
  switch (situation.kind) {
    case 'none':
      return { suggestions: [], replaceLength: 0 };

    case 'metric': {
      const names = await data.metricNames();
      const metrics: Suggestion[] = names.map((n) => ({ label: n, insertText: n, kind: 'metric' }));
      if (situation.aggregated) {
        return { suggestions: metrics, replaceLength: situation.prefix.length };
      }
      const aggregators: Suggestion[] = SPACE_AGGREGATORS.map((a) => ({
        label: `${a}:`,
        insertText: `${a}:`,
        kind: 'keyword',
        detail: 'space aggregation',
      }));
      const functions: Suggestion[] = DATADOG_FUNCTIONS.map((f) => ({
        label: f.name,
        insertText: f.name,
        kind: 'function',
        detail: `${f.name}(${f.args})`,
        documentation: f.doc,
      }));
      return { suggestions: [...aggregators, ...metrics, ...functions], replaceLength: situation.prefix.length };
    }

    case 'tag-key': {
      const keys = tagKeys(await data.tags(situation.metric));
      const suggestions: Suggestion[] = keys.map((k) => ({
        label: k,
        insertText: situation.group ? k : `${k}:`,
        kind: 'label',
      }));
      if (!situation.group) {
        suggestions.push({ label: '*', insertText: '*', kind: 'keyword', detail: 'every series' });
      }
      return { suggestions, replaceLength: situation.prefix.length };
    }

    case 'tag-value': {
      const values = tagValues(await data.tags(situation.metric), situation.key);
      return {
        suggestions: [...values.map((v): Suggestion => ({ label: v, insertText: v, kind: 'value' })), ...variables()],
        replaceLength: situation.prefix.length,
      };
    }
  }
}

/** The metrics a Datadog query reads: `avg:a{*} by {h} / b{env:x}` → a, b. */
export function datadogMetricNames(query: string): string[] {
  const names: string[] = [];
  const re = /([a-zA-Z][\w.]*)\s*\{/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(query))) {
    if (m[1].toLowerCase() !== 'by') {
      names.push(m[1]);
    }
  }
  return [...new Set(names)];
}

/** Completion data from the backend's datadog/* resources, each answer fetched once per editor. */
export function datadogResourceCompletionData(
  resources: PromResources,
  range: () => TimeRange | undefined,
  variables: () => string[] = () => []
): DatadogCompletionData {
  const memo = answerCache();
  return {
    metricNames: () => memo('metrics', () => resources.datadogMetrics(range())),
    tags: (metric) => memo(`tags ${metric ?? ''}`, () => resources.datadogTags(metric, range())),
    variables,
  };
}
