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
    memoryLimit: 'Memory limit',
    limitQuery: 'Limit query',
    output: { all: 'All', verdicts: 'Verdicts', alert: 'Alert', annotations: 'Annotations' },
    alertValue: { leak: 'Leak confidence', hoursToLimit: 'Hours to limit' },
    example: { goHeap: 'Go heap', processRss: 'Process RSS' },
  },
};

/**
 * The query the flow specs run: a memory series of the demo workload (docker compose) with a leak in it.
 * MEMSHAPE_E2E_QUERY overrides it for another Grafana.
 */
export const LEAK_QUERY = process.env.MEMSHAPE_E2E_QUERY || 'demo_memory_bytes';
