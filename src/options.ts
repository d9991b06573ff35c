import { formatBytes } from './bytes';
import {
  AdhocFilter,
  AlertValue,
  AnalysisWindow,
  AnnotateMode,
  GroupMode,
  LEGEND_AUTO,
  LEGEND_VERBATIM,
  MemshapeQuery,
  OutputMode,
  Sensitivity,
} from './types';

/** A choice of a query option: its label, value and what it means. */
export interface Choice<T> {
  label: string;
  value: T;
  description?: string;
}

export const SENSITIVITY_OPTIONS: Array<Choice<Sensitivity>> = [
  { label: 'Low', value: 'low', description: 'Name a shape only when the evidence is strong (a leak needs 24 h)' },
  { label: 'Normal', value: 'normal', description: 'Balanced (default; a leak needs 12 h of steady growth)' },
  {
    label: 'High',
    value: 'high',
    description: 'Name a shape early (a leak needs 6 h), at the cost of more false alarms',
  },
];

export const OUTPUT_OPTIONS: Array<Choice<OutputMode>> = [
  { label: 'All', value: 'all', description: 'Original series, overlays and the verdict table' },
  { label: 'Series', value: 'series', description: 'Original series and overlays only' },
  { label: 'Verdicts', value: 'verdicts', description: 'The verdict table only' },
  { label: 'Alert', value: 'alert', description: 'One number per series for alert rules (see Alert value)' },
  {
    label: 'Annotations',
    value: 'annotations',
    description: 'One event per jump, restart, leak onset and end of warm-up',
  },
];

export const ALERT_VALUE_OPTIONS: Array<Choice<AlertValue>> = [
  { label: 'Leak confidence', value: 'leak_confidence', description: 'Confidence (0–1) that the series leaks' },
  {
    label: 'Any growth shape',
    value: 'growth_confidence',
    description: 'Confidence (0–1) of a leak, fragmentation or bloat',
  },
  { label: 'Growth bytes/h', value: 'growth_bytes_per_hour', description: 'Growth in bytes per hour' },
  {
    label: 'Hours to limit',
    value: 'hours_to_limit',
    description: 'Hours until the memory limit is reached; empty when there is no limit or no growth',
  },
];

export const ANNOTATE_OPTIONS: Array<Choice<AnnotateMode>> = [
  { label: 'All series', value: 'all', description: 'The events of every series' },
  {
    label: 'Growing series',
    value: 'growing',
    description: 'Only the events of leaks, fragmentation and bloat (not the restarts of healthy services)',
  },
];

export const WINDOW_OPTIONS: Array<Choice<AnalysisWindow>> = [
  { label: 'Auto', value: 'auto' },
  { label: '1d', value: '1d' },
  { label: '3d', value: '3d' },
  { label: '7d', value: '7d' },
  { label: '14d', value: '14d' },
  { label: '30d', value: '30d' },
];

/** The editor's choice for `groupBy`: a mode, or `labels` for a list of label names. */
export type JudgeByMode = GroupMode | 'labels';

export const JUDGE_BY_OPTIONS: Array<Choice<JudgeByMode>> = [
  {
    label: 'Auto',
    value: 'auto',
    description: "A workload's pods, containers and restarts judged together when the labels name them",
  },
  { label: 'Each series', value: 'series', description: 'Every series judged alone, as it is' },
  {
    label: 'Workload',
    value: 'workload',
    description: 'Pooled by Deployment, StatefulSet, DaemonSet or Job, from the owner labels or the pod names',
  },
  { label: 'Labels', value: 'labels', description: "The series that share these labels' values judged together" },
];

export function judgeByMode(groupBy?: MemshapeQuery['groupBy']): JudgeByMode {
  if (Array.isArray(groupBy)) {
    return 'labels';
  }
  return groupBy === 'series' || groupBy === 'workload' ? groupBy : 'auto';
}

/** Label names typed as text ("namespace, service"), trimmed, each once; empty parts dropped. */
export function parseLabelList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name && !out.includes(name)) {
      out.push(name);
    }
  }
  return out;
}

/** A label name (Prometheus' form; Datadog tag keys may also hold . - /) or a dashboard variable. */
const LABEL_NAME_RE = /^[A-Za-z_][\w./-]*$|^\$\w+$|^\$\{\w+\}$/;

/** Why a list of label names is not one, or undefined when it is. */
export function labelListProblem(text: string): string | undefined {
  const names = parseLabelList(text);
  if (names.length === 0) {
    return 'Name the labels to judge by, e.g. namespace, service, or choose Auto.';
  }
  const bad = names.find((n) => !LABEL_NAME_RE.test(n));
  return bad === undefined
    ? undefined
    : `"${bad}" is not a label name: letters, digits and _, e.g. namespace, service.`;
}

function judgeByText(groupBy?: MemshapeQuery['groupBy']): string {
  return Array.isArray(groupBy) ? groupBy.join(', ') : labelOf(JUDGE_BY_OPTIONS, judgeByMode(groupBy));
}

export type LegendMode = 'auto' | 'verbatim' | 'custom';

export const LEGEND_OPTIONS: Array<Choice<LegendMode>> = [
  { label: 'Auto', value: 'auto', description: 'The labels that differ between the series, e.g. api-7' },
  { label: 'Verbatim', value: 'verbatim', description: 'metric{label="value", …}' },
  { label: 'Custom', value: 'custom', description: 'A template such as {{pod}}' },
];

export function legendMode(legendFormat?: string): LegendMode {
  if (!legendFormat || legendFormat === LEGEND_AUTO) {
    return 'auto';
  }
  return legendFormat === LEGEND_VERBATIM ? 'verbatim' : 'custom';
}

const labelOf = <T>(choices: Array<Choice<T>>, value: T) =>
  choices.find((c) => c.value === value)?.label ?? String(value);

/** Where the query is edited: what the options row shows depends on it. */
export interface EditorContext {
  /** Inside an alert rule: only what alerting uses. */
  alerting?: boolean;
  /** An annotation query: its output is always the events. */
  annotation?: boolean;
  /** The upstream fetches at its own step (its table entry says so): no min step to set. */
  withoutMinStep?: boolean;
}

/** The output the query gives where it is edited (alert rules always get the alert output). */
export function effectiveOutput(query: Partial<MemshapeQuery>, ctx: EditorContext = {}): OutputMode {
  if (ctx.annotation) {
    return 'annotations';
  }
  return ctx.alerting ? 'alert' : (query.output ?? 'all');
}

/** Which options apply to the query where it is edited. */
export function visibleOptions(query: Partial<MemshapeQuery>, ctx: EditorContext = {}) {
  const output = effectiveOutput(query, ctx);
  const showsSeries = output === 'all' || output === 'series';
  return {
    // Alert rules read numbers: no legend, no output choice, no panel series.
    legend: !ctx.alerting,
    output: !ctx.alerting && !ctx.annotation,
    alertValue: output === 'alert',
    annotate: output === 'annotations',
    // The min step sets the step of the series drawn; the verdict's step never depends on it.
    minStep: showsSeries && !ctx.withoutMinStep,
  };
}

function filterText(f: AdhocFilter): string {
  const values = f.operator === '=|' || f.operator === '!=|' ? (f.values ?? [f.value]).join(', ') : f.value;
  return `${f.key} ${f.operator} ${values}`;
}

/**
 * One short "Name: value" per option that applies, for the folded options row (as Grafana's Prometheus editor sums
 * up its options); each kept on one line.
 */
export function optionsSummary(query: Partial<MemshapeQuery>, ctx: EditorContext = {}): string[] {
  return summaryParts(query, ctx, true).map((part) => part.replace(/ /g, '\u00a0'));
}

function summaryParts(query: Partial<MemshapeQuery>, ctx: EditorContext, withDefaults: boolean): string[] {
  const show = visibleOptions(query, ctx);
  const parts: string[] = [];
  const add = (isDefault: boolean, text: string) => {
    if (withDefaults || !isDefault) {
      parts.push(text);
    }
  };
  if (show.legend) {
    const mode = legendMode(query.legendFormat);
    add(mode === 'auto', `Legend: ${mode === 'custom' ? query.legendFormat : labelOf(LEGEND_OPTIONS, mode)}`);
  }
  if (withDefaults) {
    // Folded: short. The limit query is there in full once unfolded.
    const limits = [query.limitBytes ? formatBytes(query.limitBytes) : '', query.limitExpr ? 'by query' : ''];
    parts.push(`Limit: ${limits.filter(Boolean).join(' or ') || 'none'}`);
  } else {
    add(!query.limitBytes, `Limit: ${query.limitBytes ? formatBytes(query.limitBytes) : 'none'}`);
    if (query.limitExpr) {
      parts.push(`Limit query: ${query.limitExpr}`);
    }
  }
  const sensitivity = query.sensitivity ?? 'normal';
  add(sensitivity === 'normal', `Sensitivity: ${labelOf(SENSITIVITY_OPTIONS, sensitivity)}`);
  add(judgeByMode(query.groupBy) === 'auto', `Judge by: ${judgeByText(query.groupBy)}`);
  const window = query.analysisWindow ?? 'auto';
  add(window === 'auto', `Window: ${labelOf(WINDOW_OPTIONS, window)}`);
  if (show.output) {
    const output = query.output ?? 'all';
    add(output === 'all', `Output: ${labelOf(OUTPUT_OPTIONS, output)}`);
  }
  if (show.alertValue) {
    const value = query.alertValue ?? 'leak_confidence';
    add(!ctx.alerting && value === 'leak_confidence', `Alert value: ${labelOf(ALERT_VALUE_OPTIONS, value)}`);
  }
  if (show.annotate) {
    const annotate = query.annotate ?? 'all';
    add(annotate === 'all', `Events of: ${labelOf(ANNOTATE_OPTIONS, annotate)}`);
  }
  if (show.minStep) {
    add(!query.interval, `Min step: ${query.interval || 'auto'}`);
  }
  return parts;
}

/**
 * The query in one line, as query history and the query inspector list it: the expression, then the options that
 * are not at their defaults, then the dashboard's ad hoc filters when it carries them.
 */
export function queryDisplayText(query: Partial<MemshapeQuery>): string {
  const parts = [(query.expr ?? '').replace(/\s*\n\s*/g, ' ').trim(), ...summaryParts(query, {}, false)];
  if (query.adhocFilters?.length) {
    parts.push(`Filters: ${query.adhocFilters.map(filterText).join(', ')}`);
  }
  return parts.filter(Boolean).join(' · ');
}
