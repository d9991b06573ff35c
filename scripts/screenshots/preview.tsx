/**
 * Preview harness for the docs screenshots: renders the plugin's editors inside @grafana/ui's dark theme,
 * without a Grafana server, and the backend's golden /api/ds/query answers (pkg/plugin/testdata/golden) as a
 * dashboard shows them: a time series panel, the verdict table and the alert rule's instances
 * (src/testing/goldenPanels.tsx, goldenTables.tsx), and the provisioned "Memory shapes — fleet" dashboard filled
 * with the plugin's answers on the demo workload (src/testing/DemoDashboard.tsx). Built by ./webpack.config.ts and
 * photographed by ./shoot.ts (`npm run screenshots`).
 */
import React, { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { CoreApp, createTheme, ThemeContext } from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';

import demoAnnotation from '../../internal/demo/testdata/dashboard/annotation-1.json';
import demoPanel1 from '../../internal/demo/testdata/dashboard/panel-1.json';
import demoPanel4 from '../../internal/demo/testdata/dashboard/panel-4.json';
import demoRequests from '../../internal/demo/testdata/dashboard/requests.json';
import alertDefault from '../../pkg/plugin/testdata/golden/alert-default.json';
import panelAll3d from '../../pkg/plugin/testdata/golden/panel-all-3d.json';
import panelSeriesForecast from '../../pkg/plugin/testdata/golden/panel-series-forecast.json';
import verdictsWeek from '../../pkg/plugin/testdata/golden/verdicts-week.json';
import fleetDashboard from '../../provisioning/dashboards/fleet.json';
import { ConfigEditor } from '../../src/components/ConfigEditor';
import { QueryEditor } from '../../src/components/QueryEditor';
import { DataSource } from '../../src/datasource';
import { DashboardAnswers, DashboardModel } from '../../src/testing/dashboard';
import { DashboardView, DemoDashboard, loadDashboardView } from '../../src/testing/DemoDashboard';
import { PromResources } from '../../src/resources';
import { MemoryPanel, PanelProps, QueryDataBody } from '../../src/testing/goldenPanels';
import { AlertInstancesPreview, VerdictTablePanel } from '../../src/testing/goldenTables';
import { dataSourceSettings as settings, Settings } from '../../src/testing/settings';
import { MemshapeQuery } from '../../src/types';

const theme = createTheme({ colors: { mode: 'dark' } });

/** The demo dashboard's width in the README's picture: a laptop's browser window. */
const DEMO_DASHBOARD_WIDTH = 1600;

const PROMETHEUS = settings({
  url: 'http://mimir:8080/prometheus',
  basicAuth: true,
  basicAuthUser: 'grafana',
  // httpHeaderName1 is a standard Grafana field that @grafana/plugin-ui's header editor reads.
  jsonData: { upstream: 'prometheus', timeout: 30, timeInterval: '15s', ...{ httpHeaderName1: 'X-Scope-OrgID' } },
  secureJsonFields: { basicAuthPassword: true, httpHeaderValue1: true },
});

const DATADOG = settings({
  jsonData: { upstream: 'datadog', datadogSite: 'datadoghq.eu' },
  secureJsonFields: { datadogApiKey: true, datadogAppKey: true },
});

const QUERY: MemshapeQuery = {
  refId: 'A',
  expr: 'container_memory_working_set_bytes{namespace="shop", container!=""}',
  legendFormat: '{{pod}}',
  limitBytes: 2147483648,
  limitExpr: 'max by (namespace, pod) (kube_pod_container_resource_limits{resource="memory"})',
  sensitivity: 'normal',
  output: 'all',
  analysisWindow: 'auto',
};

const ALERT_QUERY: MemshapeQuery = {
  refId: 'A',
  expr: 'container_memory_working_set_bytes{namespace="shop", container!=""}',
  legendFormat: '__auto',
  output: 'alert',
  alertValue: 'leak_confidence',
  analysisWindow: '7d',
};

/** What the backend's Prometheus API proxy answers for completion (CONTRACT.md shapes). */
const RESOURCES: Record<string, unknown> = {
  'api/v1/label/__name__/values': {
    status: 'success',
    data: ['container_memory_rss', 'container_memory_working_set_bytes', 'go_memstats_heap_inuse_bytes'],
  },
  'api/v1/metadata': { status: 'success', data: {} },
  'api/v1/labels': {
    status: 'success',
    data: ['__name__', 'container', 'image', 'instance', 'namespace', 'node', 'pod'],
  },
  'api/v1/label/pod/values': { status: 'success', data: ['api-0', 'api-1', 'api-7', 'worker-3'] },
};

// The editors read `upstream` and `resources` from their data source.
const DATASOURCE = {
  upstream: 'prometheus',
  resources: new PromResources({ getResource: async (path: string) => RESOURCES[path] as never }),
} as unknown as DataSource;

/** What the backend's Datadog listings answer (datadog/metrics, datadog/tags of kubernetes.memory.usage). */
const DATADOG_RESOURCES: Record<string, unknown> = {
  'datadog/metrics': ['container.memory.usage', 'kubernetes.memory.limits', 'kubernetes.memory.usage'],
  'datadog/tags': [
    'kube_namespace:search',
    'kube_namespace:shop',
    'kube_namespace:kube-system',
    'pod_name:cart-0',
    'pod_name:images-0',
  ],
};

const DATADOG_DATASOURCE = {
  upstream: 'datadog',
  resources: new PromResources({ getResource: async (path: string) => DATADOG_RESOURCES[path] as never }),
} as unknown as DataSource;

/**
 * The "Memory shapes — fleet" dashboard on the demo workload: the Go test internal/demo/dashboard_test.go ran each
 * of its queries through the plugin and wrote the answers; requests.json says which answer is whose.
 */
const DEMO_ANSWERS: DashboardAnswers = {
  requests: demoRequests,
  bodies: { 'panel-1.json': demoPanel1, 'panel-4.json': demoPanel4, 'annotation-1.json': demoAnnotation },
};

/** A titled box that shoot.ts photographs by its data-screenshot name. */
function Panel({
  name,
  title,
  children,
  width = 720,
}: {
  name: string;
  title: string;
  children: React.ReactNode;
  width?: number;
}) {
  return (
    <section
      data-screenshot={name}
      style={{
        display: 'inline-block',
        minWidth: width,
        maxWidth: width,
        padding: theme.spacing(2),
        background: theme.colors.background.primary,
        border: `1px solid ${theme.colors.border.weak}`,
        borderRadius: theme.shape.radius.default,
      }}
    >
      <h3 style={{ marginBottom: theme.spacing(2) }}>{title}</h3>
      {children}
    </section>
  );
}

/** Controlled the way Grafana drives it: options follow onOptionsChange. */
function ConfigPanel({ name, title, initial }: { name: string; title: string; initial: Settings }) {
  const [options, setOptions] = useState(initial);
  return (
    <Panel name={name} title={title}>
      <ConfigEditor options={options} onOptionsChange={setOptions} />
    </Panel>
  );
}

function QueryPanel({
  name,
  title,
  initial,
  app,
  datasource = DATASOURCE,
}: {
  name: string;
  title: string;
  initial: MemshapeQuery;
  app?: CoreApp;
  datasource?: DataSource;
}) {
  const [query, setQuery] = useState(initial);
  return (
    <Panel name={name} title={title} width={1060}>
      <QueryEditor query={query} datasource={datasource} app={app} onChange={setQuery} onRunQuery={() => {}} />
    </Panel>
  );
}

/**
 * A dashboard panel drawn from a golden /api/ds/query answer, photographed as it is (no extra frame). Room above
 * it for the notice's tooltip, which opens upwards from the title bar; shoot.ts crops to panel and tooltip.
 */
function GoldenShot({
  name,
  body,
  Component,
  ...props
}: Omit<PanelProps, 'body'> & {
  name: string;
  body: unknown;
  Component: React.ComponentType<PanelProps & { openNotice?: boolean }>;
  openNotice?: boolean;
}) {
  return (
    <div style={{ paddingTop: props.openNotice ? 120 : 0 }}>
      <section data-screenshot={name} style={{ width: props.width }}>
        <Component body={body as QueryDataBody} {...props} />
      </section>
    </div>
  );
}

function Preview() {
  // uPlot measures its axis labels when it draws, in Grafana's font: draw the panels once the font is there, so
  // that the ticks do not depend on how fast it loaded.
  const [fontsLoaded, setFontsLoaded] = useState(false);
  const [dashboard, setDashboard] = useState<DashboardView>();
  useEffect(() => {
    const font = theme.typography.fontFamily;
    Promise.all([document.fonts.load(`400 12px ${font}`), document.fonts.load(`500 12px ${font}`)]).then(() =>
      setFontsLoaded(true)
    );
    loadDashboardView(fleetDashboard as unknown as DashboardModel, DEMO_ANSWERS, theme).then(setDashboard, (error) =>
      console.error(`the demo dashboard: ${error}`)
    );
  }, []);
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main
        style={{
          display: 'flex',
          flexDirection: 'column',
          alignItems: 'flex-start',
          gap: 32,
          padding: 32,
          // Room below the last panel, so that it can scroll to the top and Monaco opens suggestions downwards.
          paddingBottom: 900,
        }}
      >
        <ConfigPanel name="config-editor-prometheus" title="Memory Shape: Prometheus" initial={PROMETHEUS} />
        <ConfigPanel name="config-editor-datadog" title="Memory Shape: Datadog" initial={DATADOG} />
        <QueryPanel name="query-editor" title="Query" initial={QUERY} />
        <QueryPanel
          name="query-editor-options"
          title="Query, options unfolded"
          initial={{ ...QUERY, interval: '1m' }}
        />
        <QueryPanel
          name="query-editor-alert"
          title="Alert rule query"
          initial={ALERT_QUERY}
          app={CoreApp.UnifiedAlerting}
        />
        <QueryPanel
          name="query-editor-completion"
          title="Completion"
          initial={{ ...QUERY, expr: 'container_memory_working_set_bytes{namespace="shop", pod=' }}
        />
        <QueryPanel
          name="query-editor-datadog"
          title="Datadog"
          datasource={DATADOG_DATASOURCE}
          initial={{
            refId: 'A',
            expr: 'avg:kubernetes.memory.usage{kube_namespace:',
            limitExpr: 'avg:kubernetes.memory.limits{*} by {kube_namespace,pod_name}',
          }}
        />
        {fontsLoaded && (
          <>
            <GoldenShot
              name="panel"
              body={panelAll3d}
              Component={MemoryPanel}
              title="Memory — prod"
              width={1280}
              height={480}
              openNotice
            />
            <GoldenShot
              name="panel-forecast"
              body={panelSeriesForecast}
              Component={MemoryPanel}
              title="Memory — prod, next 12 h"
              width={1280}
              height={520}
              openNotice
            />
            <GoldenShot
              name="verdict-table"
              body={verdictsWeek}
              Component={VerdictTablePanel}
              title="Verdicts — prod, last 7 days"
              width={1360}
              height={384}
            />
            {dashboard && (
              <section data-screenshot="demo-dashboard" style={{ width: DEMO_DASHBOARD_WIDTH }}>
                <DemoDashboard view={dashboard} width={DEMO_DASHBOARD_WIDTH} />
              </section>
            )}
            <GoldenShot
              name="alert-numbers"
              body={alertDefault}
              Component={AlertInstancesPreview}
              title="Alert rule query A — leak_confidence per series"
              width={1100}
              height={300}
            />
          </>
        )}
      </main>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Preview />);
