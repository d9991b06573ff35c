import { AGGREGATIONS, FUNCTIONS, GROUPING_KEYWORDS, KEYWORDS, RANGE_DURATIONS } from './terms';

/** Where the cursor is, as far as completion cares. */
export type Situation =
  /** A metric name, a function, an aggregation or a keyword. */
  | { kind: 'expression'; prefix: string }
  /** A label name inside a selector's braces. */
  | { kind: 'label-name'; prefix: string; metric?: string; matchers: string[]; used: string[] }
  /** A label value after `label=` (quoted: inside the quotes already). */
  | { kind: 'label-value'; prefix: string; metric?: string; label: string; matchers: string[]; quoted: boolean }
  /** A label name in by (…), without (…), on (…), ignoring (…), group_left (…), group_right (…). */
  | { kind: 'grouping-label'; prefix: string; metric?: string; used: string[] }
  /** A duration inside a range selector's brackets. */
  | { kind: 'duration'; prefix: string }
  | { kind: 'none' };

export type SuggestionKind = 'metric' | 'function' | 'keyword' | 'label' | 'value' | 'duration' | 'variable';

export interface Suggestion {
  label: string;
  insertText: string;
  kind: SuggestionKind;
  detail?: string;
  documentation?: string;
}

export interface Completion {
  suggestions: Suggestion[];
  /** How many characters before the cursor the suggestion replaces. */
  replaceLength: number;
}

/** What completion reads from the upstream (PromResources fits). */
export interface CompletionData {
  metricNames(): Promise<string[]>;
  metricHelp(): Promise<Record<string, { type?: string; help?: string }>>;
  labelNames(match?: string): Promise<string[]>;
  labelValues(label: string, match?: string): Promise<string[]>;
  /** Dashboard variable names, offered as `$name`. */
  variables?(): string[];
}

const IDENT_TAIL = /[a-zA-Z_:][\w:]*$/;
const METRIC_NAME = /^[a-zA-Z_:][\w:]*$/;
const COMPLETE_MATCHER = /^\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*$/;

interface Scan {
  /** Unclosed brackets before the cursor, innermost last, with their offsets. */
  open: Array<{ char: string; at: number }>;
  /** The quote character of an unclosed string before the cursor, and where it starts. */
  inString?: { quote: string; at: number };
}

/** Brackets and strings from the start of the text to the cursor. */
function scan(text: string): Scan {
  const open: Scan['open'] = [];
  let inString: Scan['inString'];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\' && inString.quote !== '`') {
        i++;
      } else if (c === inString.quote) {
        inString = undefined;
      }
      continue;
    }
    if (c === '#') {
      // A comment runs to the end of the line.
      const end = text.indexOf('\n', i);
      if (end === -1) {
        return { open, inString: { quote: '#', at: i } };
      }
      i = end;
    } else if (c === '"' || c === "'" || c === '`') {
      inString = { quote: c, at: i };
    } else if (c === '{' || c === '(' || c === '[') {
      open.push({ char: c, at: i });
    } else if (c === '}' || c === ')' || c === ']') {
      open.pop();
    }
  }
  return { open, inString };
}

/** Splits the inside of a selector's braces at commas outside strings. */
function splitMatchers(inside: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < inside.length; i++) {
    const c = inside[i];
    if (quote) {
      if (c === '\\' && quote !== '`') {
        i++;
      } else if (c === quote) {
        quote = undefined;
      }
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
    } else if (c === ',') {
      parts.push(inside.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inside.slice(start));
  return parts;
}

/** The complete matchers of a selector (`a="b"`), normalised, and the label names they use. */
function completeMatchers(parts: string[]): { matchers: string[]; used: string[] } {
  const matchers: string[] = [];
  const used: string[] = [];
  for (const part of parts) {
    const m = COMPLETE_MATCHER.exec(part);
    if (m && !m[3].includes('$')) {
      // Matchers with template variables are left out: their values are not known here.
      matchers.push(`${m[1]}${m[2]}${m[3]}`);
    }
    if (m) {
      used.push(m[1]);
    }
  }
  return { matchers, used };
}

/** The metric name written right before a selector's opening brace, if any. */
function metricBefore(text: string, brace: number): string | undefined {
  const m = IDENT_TAIL.exec(text.slice(0, brace).trimEnd());
  if (!m) {
    return undefined;
  }
  const name = m[0];
  return isVocabulary(name) ? undefined : name;
}

const VOCABULARY = new Set([...FUNCTIONS, ...AGGREGATIONS].map((f) => f.name).concat(KEYWORDS));

function isVocabulary(word: string): boolean {
  return VOCABULARY.has(word);
}

/** The first metric name of the whole expression (for by (…) completion). */
function firstMetric(text: string): string | undefined {
  const bare = text
    .replace(/"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?/g, ' ')
    .replace(new RegExp(`\\b(${GROUPING_KEYWORDS.join('|')})\\s*\\([^)]*\\)?`, 'g'), ' ')
    .replace(/\{[^}]*\}?/g, ' ')
    .replace(/\[[^\]]*\]?/g, ' ');
  // A name not preceded by a word character, `$` or `.`, and not a function call (no lookbehind: older Safari).
  const re = /(^|[^\w:$.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(bare))) {
    if (!isVocabulary(m[2])) {
      return m[2];
    }
  }
  return undefined;
}

/** Works out what to complete at the end of `before` (the text from the start of the query to the cursor). */
export function situationAt(before: string): Situation {
  const { open, inString } = scan(before);
  const innermost = open[open.length - 1];

  if (inString) {
    if (inString.quote === '#' || !innermost || innermost.char !== '{') {
      return { kind: 'none' };
    }
    const selector = before.slice(innermost.at + 1, inString.at);
    const parts = splitMatchers(selector);
    const current = parts[parts.length - 1];
    const m = /([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*$/.exec(current);
    if (!m) {
      return { kind: 'none' };
    }
    const { matchers } = completeMatchers(parts.slice(0, -1));
    return {
      kind: 'label-value',
      prefix: before.slice(inString.at + 1),
      metric: metricBefore(before, innermost.at),
      label: m[1],
      matchers,
      quoted: true,
    };
  }

  if (innermost?.char === '[') {
    const prefix = before.slice(innermost.at + 1);
    return /^[\w$]*$/.test(prefix) ? { kind: 'duration', prefix } : { kind: 'none' };
  }

  if (innermost?.char === '{') {
    const parts = splitMatchers(before.slice(innermost.at + 1));
    const current = parts[parts.length - 1];
    const { matchers, used } = completeMatchers(parts.slice(0, -1));
    const metric = metricBefore(before, innermost.at);
    const name = /^\s*([a-zA-Z_]\w*)?$/.exec(current);
    if (name) {
      return { kind: 'label-name', prefix: name[1] ?? '', metric, matchers, used };
    }
    const value = /^\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*$/.exec(current);
    if (value) {
      return { kind: 'label-value', prefix: '', metric, label: value[1], matchers, quoted: false };
    }
    return { kind: 'none' };
  }

  if (innermost?.char === '(') {
    const head = before.slice(0, innermost.at).trimEnd();
    const word = IDENT_TAIL.exec(head)?.[0];
    if (word && GROUPING_KEYWORDS.includes(word)) {
      const inside = before.slice(innermost.at + 1);
      const parts = inside.split(',');
      const current = parts[parts.length - 1];
      const name = /^\s*([a-zA-Z_]\w*)?$/.exec(current);
      if (!name) {
        return { kind: 'none' };
      }
      const used = parts
        .slice(0, -1)
        .map((p) => p.trim())
        .filter(Boolean);
      return { kind: 'grouping-label', prefix: name[1] ?? '', metric: firstMetric(before), used };
    }
  }

  const tail = /[a-zA-Z_:][\w:]*$|\$\w*$/.exec(before);
  const prefix = tail?.[0] ?? '';
  // Right after a number or a closing bracket a name is no expression start (e.g. `5m`, `x) by`): still offer
  // keywords and names — Monaco filters by what is typed.
  return { kind: 'expression', prefix };
}

/** A selector for Prometheus' match[] from a metric name and complete matchers. */
export function matchSelector(metric: string | undefined, matchers: string[]): string | undefined {
  const all = [...(metric && METRIC_NAME.test(metric) ? [`__name__="${metric}"`] : []), ...matchers];
  return all.length ? `{${all.join(',')}}` : undefined;
}

/** Escapes a label value for a double-quoted PromQL string. */
function quoteValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function functionSuggestions(): Suggestion[] {
  const fns: Suggestion[] = FUNCTIONS.map((f) => ({
    label: f.name,
    insertText: f.name,
    kind: 'function',
    detail: `${f.name}(${f.args})`,
    documentation: f.doc,
  }));
  const aggs: Suggestion[] = AGGREGATIONS.map((f) => ({
    label: f.name,
    insertText: f.name,
    kind: 'function',
    detail: `${f.name} [by|without (labels)] (${f.args})`,
    documentation: f.doc,
  }));
  return [...aggs, ...fns];
}

const KEYWORD_SUGGESTIONS: Suggestion[] = KEYWORDS.map((k) => ({ label: k, insertText: k, kind: 'keyword' }));

/** Completion at the end of `before`: what to offer and how much of the typed text it replaces. */
export async function complete(before: string, data: CompletionData): Promise<Completion> {
  const situation = situationAt(before);
  switch (situation.kind) {
    case 'none':
      return { suggestions: [], replaceLength: 0 };

    case 'duration':
      return {
        suggestions: RANGE_DURATIONS.map((d) => ({
          label: d,
          insertText: d,
          kind: d.startsWith('$') ? 'variable' : 'duration',
          detail: d.startsWith('$') ? 'interpolated by the backend, as in alert rules' : undefined,
        })),
        replaceLength: situation.prefix.length,
      };

    case 'label-name': {
      const names = await data.labelNames(matchSelector(situation.metric, situation.matchers));
      return {
        suggestions: names
          .filter((n) => n !== '__name__' && !situation.used.includes(n))
          .map((n) => ({ label: n, insertText: n, kind: 'label' })),
        replaceLength: situation.prefix.length,
      };
    }

    case 'grouping-label': {
      const names = await data.labelNames(matchSelector(situation.metric, []));
      return {
        suggestions: names
          .filter((n) => n !== '__name__' && !situation.used.includes(n))
          .map((n) => ({ label: n, insertText: n, kind: 'label' })),
        replaceLength: situation.prefix.length,
      };
    }

    case 'label-value': {
      const values = await data.labelValues(situation.label, matchSelector(situation.metric, situation.matchers));
      const variables = (data.variables?.() ?? []).map((v) => `$${v}`);
      const suggestions: Suggestion[] = [
        ...values.map((v): Suggestion => ({
          label: v,
          insertText: situation.quoted ? quoteValue(v) : `"${quoteValue(v)}"`,
          kind: 'value',
        })),
        ...variables.map((v): Suggestion => ({
          label: v,
          insertText: situation.quoted ? v : `"${v}"`,
          kind: 'variable',
          detail: 'dashboard variable',
        })),
      ];
      return { suggestions, replaceLength: situation.prefix.length };
    }

    case 'expression': {
      const [names, help] = await Promise.all([data.metricNames(), data.metricHelp().catch(() => ({}))]);
      const byName = help as Record<string, { type?: string; help?: string }>;
      const metrics: Suggestion[] = names.map((n) => ({
        label: n,
        insertText: n,
        kind: 'metric',
        detail: byName[n]?.type,
        documentation: byName[n]?.help,
      }));
      const variables: Suggestion[] = (data.variables?.() ?? []).map((v) => ({
        label: `$${v}`,
        insertText: `$${v}`,
        kind: 'variable',
        detail: 'dashboard variable',
      }));
      return {
        suggestions: [...metrics, ...functionSuggestions(), ...KEYWORD_SUGGESTIONS, ...variables],
        replaceLength: situation.prefix.length,
      };
    }
  }
}
