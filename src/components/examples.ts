/** Clickable examples of the query editor. */
export interface Example {
  label: string;
  expr: string;
  /** A legend that names the series well for this query. */
  legendFormat?: string;
  description: string;
}

export const PROMETHEUS_EXAMPLES: Example[] = [
  {
    label: 'Container working set',
    expr: 'container_memory_working_set_bytes{namespace="$namespace", container!=""}',
    legendFormat: '{{pod}}/{{container}}',
    description: "Kubernetes (cAdvisor): what the OOM killer compares with the container's limit",
  },
  {
    label: 'Process RSS',
    expr: 'process_resident_memory_bytes',
    description: 'Resident memory of every process that exports the standard process metrics',
  },
  {
    label: 'JVM heap',
    expr: 'sum by (job, instance) (jvm_memory_used_bytes{area="heap"})',
    description: 'Java heap in use, all pools summed (Micrometer / JMX exporter names)',
  },
  {
    label: 'Go heap',
    expr: 'go_memstats_heap_inuse_bytes',
    description: 'Go heap spans in use (client_golang)',
  },
];

export const DATADOG_EXAMPLES: Example[] = [
  {
    label: 'Host memory used',
    expr: 'avg:system.mem.used{*} by {host}',
    description: 'Memory used per host (Datadog Agent)',
  },
  {
    label: 'Container memory',
    expr: 'avg:container.memory.usage{*} by {container_name}',
    description: 'Memory used per container (Datadog container check)',
  },
  {
    label: 'Kubernetes working set',
    expr: 'avg:kubernetes.memory.working_set{*} by {pod_name}',
    description: 'Working set per pod (Datadog Kubernetes integration)',
  },
  {
    label: 'Process RSS',
    expr: 'avg:system.processes.mem.rss{*} by {process_name}',
    description: 'Resident memory per process group (Datadog process check)',
  },
  {
    label: 'JVM heap',
    expr: 'avg:jvm.heap_memory{*} by {service}',
    description: 'Java heap in use per service (Datadog Java tracer)',
  },
];

/** Queries whose series give each series' memory limit. */
export const PROMETHEUS_LIMIT_EXAMPLES: Example[] = [
  {
    label: 'Pod limit (kube-state-metrics)',
    expr: 'max by (namespace, pod) (kube_pod_container_resource_limits{resource="memory"})',
    description: "The pod's memory limit from kube-state-metrics, matched by namespace and pod",
  },
  {
    label: 'Container limit (cAdvisor)',
    expr: 'container_spec_memory_limit_bytes{container!=""}',
    description: "The container's memory limit from cAdvisor, matched by its labels",
  },
];

/** Datadog queries whose series give each series' memory limit. */
export const DATADOG_LIMIT_EXAMPLES: Example[] = [
  {
    label: 'Pod limit (Kubernetes)',
    expr: 'avg:kubernetes.memory.limits{*} by {kube_namespace,pod_name}',
    description: "The pod's memory limit from Datadog's Kubernetes integration, matched by namespace and pod",
  },
  {
    label: 'Container limit',
    expr: 'avg:container.memory.limit{*} by {container_name}',
    description: "The container's memory limit from Datadog's container check, matched by container",
  },
];

/** A clickable example of the variable editor. */
export interface VariableExample {
  query: string;
  description: string;
}

/** Clickable examples of the variable editor for a Prometheus data source: each sets the query. */
export const PROMETHEUS_VARIABLE_EXAMPLES: VariableExample[] = [
  { query: 'label_values(kube_pod_info, namespace)', description: 'namespaces' },
  {
    query: 'label_values(container_memory_working_set_bytes{namespace="$namespace"}, pod)',
    description: 'pods of the chosen namespace',
  },
  { query: 'label_names()', description: 'label names, e.g. for a "group by" variable' },
  { query: 'metrics(memory)', description: 'metric names matching a regex' },
];

/** Clickable examples of the variable editor for a Datadog data source. */
export const DATADOG_VARIABLE_EXAMPLES: VariableExample[] = [
  { query: 'metrics(^kubernetes\\.memory)', description: 'metric names matching a regex' },
  { query: 'tag_values(kubernetes.memory.usage, kube_namespace)', description: "values of one of a metric's tags" },
  { query: 'tag_values(env)', description: "values of one of the hosts' tags" },
];
