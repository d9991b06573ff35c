/**
 * Preview harness for the docs screenshots: renders the plugin's editors inside @grafana/ui's dark theme,
 * without a Grafana server. Built by ./webpack.config.ts and photographed by ./shoot.ts (`npm run screenshots`).
 */
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, ThemeContext } from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';

import { ConfigEditor } from '../../src/components/ConfigEditor';
import { QueryEditor } from '../../src/components/QueryEditor';
import { DataSource } from '../../src/datasource';
import { dataSourceSettings as settings, Settings } from '../../src/testing/settings';
import { MemshapeQuery } from '../../src/types';

const theme = createTheme({ colors: { mode: 'dark' } });

const PROMETHEUS = settings({
  url: 'http://prometheus:9090',
  jsonData: { upstream: 'prometheus' },
  secureJsonFields: { bearerToken: true },
});

const DATADOG = settings({
  jsonData: { upstream: 'datadog', datadogSite: 'datadoghq.eu' },
  secureJsonFields: { datadogApiKey: true, datadogAppKey: true },
});

const QUERY: MemshapeQuery = {
  refId: 'A',
  expr: 'container_memory_working_set_bytes{namespace="shop", container="api"}',
  legendFormat: '{{pod}}',
  limitBytes: 2147483648,
  sensitivity: 'normal',
  output: 'all',
};

// The query editor only reads `upstream` from its data source.
const DATASOURCE = { upstream: 'prometheus' } as unknown as DataSource;

/** A titled box that shoot.ts photographs by its data-screenshot name. */
function Panel({ name, title, children }: { name: string; title: string; children: React.ReactNode }) {
  return (
    <section
      data-screenshot={name}
      style={{
        display: 'inline-block',
        minWidth: 720,
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

function QueryPanel() {
  const [query, setQuery] = useState(QUERY);
  return (
    <Panel name="query-editor" title="Query">
      <QueryEditor query={query} datasource={DATASOURCE} onChange={setQuery} onRunQuery={() => {}} />
    </Panel>
  );
}

function Preview() {
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main style={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 32, padding: 32 }}>
        <ConfigPanel name="config-editor-prometheus" title="Memory Shape: Prometheus" initial={PROMETHEUS} />
        <ConfigPanel name="config-editor-datadog" title="Memory Shape: Datadog" initial={DATADOG} />
        <QueryPanel />
      </main>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Preview />);
