/**
 * What the e2e specs find on the page: the labels and texts of the plugin's editors, in one place (kept in step
 * with src/components).
 */
export const Components = {
  ConfigEditor: {
    upstream: { prometheus: 'Prometheus', datadog: 'Datadog' },
    url: 'Data source connection URL',
    authMethod: '#auth-method-select',
    datadogSite: '#memshape-datadog-site',
    datadogApiKey: /API key/,
    datadogAppKey: /Application key/,
    timeout: 'Timeout in seconds',
    defaultWindow: 'Default analysis window',
  },
  QueryEditor: {
    /** The code editor's text area (Monaco names it by its ariaLabel option). */
    code: 'Query',
    /** The folded options row's toggle (its accessible name starts with the title, then the summary). */
    options: /^Options/,
    /** The limit query's code field. */
    limitCode: 'Limit query',
    minStep: 'Min step',
    memoryLimit: 'Memory limit',
    limitQuery: 'Limit query',
    output: { all: 'All', verdicts: 'Verdicts', alert: 'Alert', annotations: 'Annotations' },
    alertValue: { leak: 'Leak confidence', hoursToLimit: 'Hours to limit' },
    /** The summary of the folded options row in an alert rule. */
    alertValueSummary: 'Alert value: Leak confidence',
    example: { goHeap: 'Go heap', processRss: 'Process RSS' },
  },
};

/**
 * The query the flow specs run: a memory series of the demo workload (docker compose) with a leak in it.
 * MEMSHAPE_E2E_QUERY overrides it for another Grafana.
 */
export const LEAK_QUERY = process.env.MEMSHAPE_E2E_QUERY || 'demo_memory_bytes';

/** The provisioned dashboards (provisioning/dashboards) and their panels. */
export const Dashboards = {
  fleet: { uid: 'memshape-fleet', title: 'Memory shapes — fleet', table: 'Verdicts — worst first' },
  service: { uid: 'memshape-service', title: 'Memory shape — service', memory: 'Memory, fitted curves and limit' },
};

/** The memory query of the provisioned dashboards (cAdvisor's names, as the demo workload exports them). */
export const FLEET_QUERY = 'container_memory_working_set_bytes{container!="", container!="POD"}';
