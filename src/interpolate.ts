import { ScopedVars, TimeRange } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

/**
 * Grafana macros the backend interpolates itself (with the meaning Grafana's Prometheus gives them), so that a
 * panel and an alert rule — which never passes through the browser — read the same query. The frontend leaves
 * them as they are, even when Grafana offers a value for them in scopedVars or as a dashboard macro.
 */
export const BACKEND_MACROS = ['__interval', '__interval_ms', '__range', '__range_s', '__range_ms', '__rate_interval'];

// Longest names first, so that `$__interval_ms` is never read as `$__interval` followed by `_ms`.
const MACRO_NAMES = [...BACKEND_MACROS].sort((a, b) => b.length - a.length).join('|');
const MACRO_RE = new RegExp(`\\$(?:(?:${MACRO_NAMES})(?![A-Za-z0-9_])|\\{(?:${MACRO_NAMES})\\})`, 'g');

// Private-use characters: nothing Grafana interpolates, nothing a query contains.
const SENTINEL_OPEN = '\uE000';
const SENTINEL_CLOSE = '\uE001';
const SENTINEL_RE = new RegExp(`${SENTINEL_OPEN}(\\d+)${SENTINEL_CLOSE}`, 'g');

/** The parts of a Grafana variable model the formatter reads. */
export interface VariableLike {
  multi?: boolean;
  includeAll?: boolean;
}

/** Escapes a value for a double-quoted PromQL string: backslash and double quote. */
function escapeStringLiteral(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

// RE2 metacharacters, the regex syntax of Prometheus' =~ and !~ matchers.
const RE2_META = /[\\.+*?()|[\]{}^$]/g;

/**
 * A single-valued variable: escaped for a double-quoted PromQL string and nothing more (as Grafana's Prometheus
 * does), so `pod="$pod"` matches the value exactly. A value that is itself a whole label matcher
 * (`job="api"`, e.g. from an ad-hoc style variable) is left as it is.
 */
export function escapeRegularValue(value: string): string {
  if (/^\w+(=|!=|=~|!~)".*"$/.test(value)) {
    return value;
  }
  return escapeStringLiteral(value);
}

/**
 * A value of a multi-value or All variable, used in a regex matcher (`pod=~"$pod"`): RE2 metacharacters are
 * escaped so the value matches literally, then the result is escaped for a double-quoted PromQL string.
 */
export function escapeRegexValue(value: string): string {
  return escapeStringLiteral(value.replace(RE2_META, '\\$&'));
}

/**
 * The format function handed to templateSrv.replace for PromQL, with the behaviour of Grafana's Prometheus data
 * source: a variable that is neither multi-value nor has an All option is escaped as a string; otherwise each value
 * is regex-escaped and several values are joined as `(a|b)`. (A custom All value such as `.*` never reaches this
 * function: Grafana inserts it as it is.)
 */
export function formatPromQLVariable(value: unknown, variable?: VariableLike): string {
  if (!variable?.multi && !variable?.includeAll) {
    return typeof value === 'string' ? escapeRegularValue(value) : String(value);
  }
  if (!Array.isArray(value)) {
    return typeof value === 'string' ? escapeRegexValue(value) : String(value);
  }
  const escaped = value.map((v) => escapeRegexValue(String(v)));
  return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
}

export interface InterpolateOptions {
  /** Leave the backend's macros as they are (default true); false for texts the backend does not interpolate. */
  keepBackendMacros?: boolean;
  /** Grafana's formatting of variable values (default: Grafana's own, glob for multi-value). */
  format?: (value: unknown, variable?: VariableLike) => string;
}

/** Interpolates template variables in a query text, leaving the backend's macros untouched. */
export function interpolateQuery(
  templateSrv: TemplateSrv,
  text: string,
  scopedVars?: ScopedVars,
  { keepBackendMacros = true, format }: InterpolateOptions = {}
): string {
  if (!text) {
    return text;
  }
  if (!keepBackendMacros) {
    return templateSrv.replace(text, scopedVars, format);
  }
  const kept: string[] = [];
  const guarded = text.replace(MACRO_RE, (macro) => {
    kept.push(macro);
    return `${SENTINEL_OPEN}${kept.length - 1}${SENTINEL_CLOSE}`;
  });
  const replaced = templateSrv.replace(guarded, scopedVars, format);
  return replaced.replace(SENTINEL_RE, (_, index: string) => kept[Number(index)]);
}

/** Interpolates a PromQL text: template variables Prometheus-style, the backend's macros untouched. */
export function interpolatePromQL(
  templateSrv: TemplateSrv,
  text: string,
  scopedVars?: ScopedVars,
  keepBackendMacros = true
): string {
  return interpolateQuery(templateSrv, text, scopedVars, { keepBackendMacros, format: formatPromQLVariable });
}

/**
 * The range macros for a time range, for texts the backend does not interpolate (dashboard variable queries):
 * `$__range` in seconds with an `s` suffix, `$__range_s`, `$__range_ms`.
 */
export function rangeScopedVars(range: TimeRange): ScopedVars {
  const ms = Math.max(0, range.to.valueOf() - range.from.valueOf());
  const s = Math.round(ms / 1000);
  return {
    __range_ms: { text: String(ms), value: ms },
    __range_s: { text: String(s), value: s },
    __range: { text: `${s}s`, value: `${s}s` },
  };
}
