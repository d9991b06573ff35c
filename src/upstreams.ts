import { ComponentType } from 'react';
import { ScopedVars, TimeRange } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

import { DatadogSettings } from './components/DatadogSettings';
import {
  DATADOG_EXAMPLES,
  DATADOG_LIMIT_EXAMPLES,
  DATADOG_VARIABLE_EXAMPLES,
  Example,
  PROMETHEUS_EXAMPLES,
  PROMETHEUS_LIMIT_EXAMPLES,
  PROMETHEUS_VARIABLE_EXAMPLES,
  VariableExample,
} from './components/examples';
import { PrometheusSettings } from './components/PrometheusSettings';
import type { QueryLanguage } from './components/QueryField';
import type { UpstreamSettingsProps } from './components/settingsSection';
import { completeDatadog, datadogMetricNames, datadogResourceCompletionData } from './datadog/completion';
import { DATADOG_LANGUAGE_ID, registerDatadog } from './datadog/language';
import { interpolatePromQL, interpolateQuery } from './interpolate';
import { complete as completePromQL, Completion } from './promql/completion';
import { PROMQL_LANGUAGE_ID, registerPromQL } from './promql/language';
import { PROMQL_TRIGGERS, resourceCompletionData } from './promql/provider';
import type { PromResources } from './resources';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_UPSTREAM, Upstream } from './types';

/**
 * Everything the frontend does differently for one upstream. The editors and the data source read this table and
 * nothing else about the upstream: a new upstream is one more entry (and its settings section), no new branches.
 */
export interface UpstreamSpec {
  id: Upstream;
  /** The config editor's choice of upstream. */
  label: string;
  description: string;

  /** The query editor, and how the data source reads a query. */
  query: {
    /** Highlighting and completion of the query field. */
    language: QueryLanguage;
    /** Completion for the text before the cursor, from the backend's resources. */
    completion: (
      resources: PromResources,
      range: () => TimeRange | undefined,
      variables: () => string[]
    ) => (before: string) => Promise<Completion>;
    tooltip: string;
    placeholder: string;
    examples: Example[];
    /** The limit query field, when the upstream's series can give each series' limit. */
    limitQuery?: { placeholder: string; examples: Example[] };
    /** Whether the min step option applies (the upstream fetches at a step the panel may set). */
    minStep: boolean;
    /** Template variables in a query's text; the backend's macros stay for the backend. */
    interpolate: (templateSrv: TemplateSrv, text: string, scopedVars: ScopedVars) => string;
    /**
     * The metrics of a query whose tags ad hoc filters offer; absent when the upstream offers its own labels
     * whatever the query.
     */
    adhocMetrics?: (expr: string) => string[];
  };

  /** The variable editor. */
  variable: { tooltip: string; placeholder: string; examples: VariableExample[] };

  /** The config editor. */
  settings: {
    /** The upstream's own section: connection, authentication, keys. */
    Editor: ComponentType<UpstreamSettingsProps>;
    /** Which of the analysis section's options apply (maxQueryBytes: the caps on what a query decodes — memory,
     *  series, points). */
    applies: { maxQueryBytes: boolean; cacheBytes: boolean };
    maxResponseTooltip: string;
    compressionTooltip: string;
    /** What the backend uses when the setting is unset. */
    defaults: { compression: boolean; maxResponseBytes?: number };
  };
}

const PROMETHEUS: UpstreamSpec = {
  id: 'prometheus',
  label: 'Prometheus',
  description: 'Prometheus, Mimir, Cortex, Thanos or VictoriaMetrics (PromQL)',
  query: {
    language: { id: PROMQL_LANGUAGE_ID, register: registerPromQL, triggers: PROMQL_TRIGGERS },
    completion: (resources, range, variables) => {
      const data = resourceCompletionData(resources, range, variables);
      return (before) => completePromQL(before, data);
    },
    tooltip: 'PromQL returning memory in bytes. Shift+Enter runs it; so does leaving the field.',
    placeholder: 'container_memory_working_set_bytes{namespace="prod", container!=""}',
    examples: PROMETHEUS_EXAMPLES,
    limitQuery: {
      placeholder: 'kube_pod_container_resource_limits{resource="memory"}',
      examples: PROMETHEUS_LIMIT_EXAMPLES,
    },
    minStep: true,
    interpolate: (templateSrv, text, scopedVars) => interpolatePromQL(templateSrv, text, scopedVars),
  },
  variable: {
    tooltip:
      'label_values(metric, label), label_values(label), label_names(), metrics(regex), query_result(expr), workloads(selector) — the Kubernetes workloads of its pods, for pod=~"$__workloadPods($workload)" — or a series selector',
    placeholder: 'label_values(kube_pod_info, namespace)',
    examples: PROMETHEUS_VARIABLE_EXAMPLES,
  },
  settings: {
    Editor: PrometheusSettings,
    applies: { maxQueryBytes: true, cacheBytes: true },
    maxResponseTooltip:
      'The largest answer read, in bytes as sent. Empty (default): no cap on the body — answers stream and the memory per query holds what they take.',
    compressionTooltip:
      'Ask Prometheus for gzip answers. Off by default: compressing costs Prometheus about 11 times the CPU of writing the answer and makes an alert rule over thousands of series several times slower; turn it on only across a slow or metered link.',
    defaults: { compression: false },
  },
};

const DATADOG: UpstreamSpec = {
  id: 'datadog',
  label: 'Datadog',
  description: 'Datadog metrics through the Datadog API',
  query: {
    language: { id: DATADOG_LANGUAGE_ID, register: registerDatadog, triggers: ['{', ',', ':', '(', ' ', '$'] },
    completion: (resources, range, variables) => {
      const data = datadogResourceCompletionData(resources, range, variables);
      return (before) => completeDatadog(before, data);
    },
    tooltip: 'Datadog metrics query returning memory in bytes. Shift+Enter runs it; so does leaving the field.',
    placeholder: 'avg:system.mem.used{*} by {host}',
    examples: DATADOG_EXAMPLES,
    limitQuery: { placeholder: 'avg:kubernetes.memory.limits{*} by {pod_name}', examples: DATADOG_LIMIT_EXAMPLES },
    minStep: true,
    // Grafana's own formatting of values, the macros still left to the backend.
    interpolate: (templateSrv, text, scopedVars) => interpolateQuery(templateSrv, text, scopedVars),
    // Datadog's ad hoc filters offer the tags of the dashboard's metrics (the hosts' without).
    adhocMetrics: datadogMetricNames,
  },
  variable: {
    tooltip: "metrics(regex), tag_values(key) (from the hosts' tags) or tag_values(metric, key)",
    placeholder: 'tag_values(kubernetes.memory.usage, kube_namespace)',
    examples: DATADOG_VARIABLE_EXAMPLES,
  },
  settings: {
    Editor: DatadogSettings,
    applies: { maxQueryBytes: false, cacheBytes: false },
    maxResponseTooltip:
      'The largest Datadog answer read, e.g. 256MiB (default): its client reads an answer whole before decoding it.',
    compressionTooltip: 'Ask Datadog for gzip answers (default): it compresses cheaply, and the link is the internet.',
    defaults: { compression: true, maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES },
  },
};

/** The upstreams, in the order the config editor offers them. */
export const UPSTREAMS: Record<Upstream, UpstreamSpec> = {
  prometheus: PROMETHEUS,
  datadog: DATADOG,
};

/** Every upstream of the table, in its order. */
export function upstreamSpecs(): UpstreamSpec[] {
  return Object.values(UPSTREAMS);
}

/** The table's entry for an upstream; the default upstream's when the id is unset or not in the table. */
export function upstreamSpec(id?: string): UpstreamSpec {
  const table: Partial<Record<string, UpstreamSpec>> = UPSTREAMS;
  return table[id ?? DEFAULT_UPSTREAM] ?? UPSTREAMS[DEFAULT_UPSTREAM];
}
