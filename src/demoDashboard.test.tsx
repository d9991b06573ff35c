/**
 * What the "Memory shapes — fleet" dashboard (provisioning/dashboards/fleet.json) shows on the demo workload, from
 * the plugin's real answers to its queries (internal/demo/testdata/dashboard, written by the Go test
 * internal/demo/dashboard_test.go) worked out as Grafana does (src/testing/dashboard.ts) — the same data the
 * README's picture of it (docs/img/demo-dashboard.png, `npm run screenshots`) is drawn from: the stat panels count
 * the table's rows per shape in the table's colours, the table keeps and sorts what the dashboard says, the worst
 * offenders panel shows the growing series and their fits, and the annotations of jumps and restarts reach it and
 * are drawn as Grafana draws them.
 */
import { render, screen } from '@testing-library/react';
import React from 'react';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTheme, DataFrame, Field, getFieldDisplayName, ScopedVars } from '@grafana/data';
import { VariableFormatID } from '@grafana/schema';
import { UPlotConfigBuilder } from '@grafana/ui';

import {
  DashboardAnswers,
  DashboardModel,
  DashboardPanel,
  dashboardTimeRange,
  gridBox,
  gridHeight,
  panelAnnotations,
  panelById,
  panelFrames,
  statValues,
} from './testing/dashboard';
import { AnnotationMarks, PanelFrame, TimeSeriesPanel } from './testing/dashboardPanels';
import { legendRows, stubResizeObserver } from './testing/legend';

const ROOT = path.resolve(__dirname, '..');
const ANSWERS_DIR = path.join(ROOT, 'internal', 'demo', 'testdata', 'dashboard');
const readJSON = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

const dashboard: DashboardModel = readJSON(path.join(ROOT, 'provisioning', 'dashboards', 'fleet.json'));
const requests: DashboardAnswers['requests'] = readJSON(path.join(ANSWERS_DIR, 'requests.json'));
const answers: DashboardAnswers = {
  requests,
  bodies: Object.fromEntries(requests.map((r) => [r.file, readJSON(path.join(ANSWERS_DIR, r.file))])),
};
const theme = createTheme({ colors: { mode: 'dark' } });

/**
 * What Grafana's template service does with the variables of a data link, for the ones the dashboard uses:
 * `${__value.text}` (the cell's value), `${__data.fields.<name>}` (the field's value in the link's row), `${__url_time_range}` (the dashboard's range as
 * from/to), `${datasource:queryparam}` (the variable as a URL parameter); each value URI-encoded when the link
 * asks for it.
 */
function grafanaDataLinkVariables(text: string, scopedVars?: ScopedVars, format?: string | Function): string {
  const encode = (v: string) => (format === VariableFormatID.UriEncode ? encodeURIComponent(v) : v);
  return text.replace(/\$\{([\w.]+)(?::(\w+))?\}/g, (whole, name: string, fmt?: string) => {
    const context = scopedVars?.__dataContext?.value as
      { frame: DataFrame; field: Field; rowIndex: number } | undefined;
    if (name === '__value.text' && context) {
      return encode(String(context.field.values[context.rowIndex]));
    }
    if (name.startsWith('__data.fields.') && context) {
      const f = context.frame.fields.find((x) => x.name === name.slice('__data.fields.'.length));
      return f ? encode(String(f.values[context.rowIndex])) : whole;
    }
    if (name === '__url_time_range') {
      return 'from=1700000000000&to=1700086400000';
    }
    if (name === 'datasource' && fmt === 'queryparam') {
      return `var-datasource=${encode('memshape')}`;
    }
    return whole;
  });
}

const SHAPES = ['leak', 'bloat', 'fragmentation', 'healthy', 'inconclusive'];
const GROWING = ['leak', 'bloat', 'fragmentation'];

const field = (frame: DataFrame, name: string): Field => {
  const f = frame.fields.find((x) => x.name === name);
  if (!f) {
    throw new Error(`no field ${name} in ${frame.fields.map((x) => x.name).join(', ')}`);
  }
  return f;
};

const table = panelById(dashboard, 1);
const timeSeries = dashboard.panels.find((p) => p.type === 'timeseries')!;
const stats = dashboard.panels.filter((p) => p.type === 'stat');

/** The stat panels that count one shape: they keep the rows whose shape equals it. */
function countedShape(panel: DashboardPanel): string | undefined {
  const filter = panel.transformations?.find((t) => t.id === 'filterByValue');
  return filter?.options.filters.find((f: { fieldName: string }) => f.fieldName === 'shape')?.config.options.value;
}

let tableFrame: DataFrame;
let rows: Array<{ series: string; shape: string; severity: number; timeToLimit: number | null }>;

beforeAll(async () => {
  stubResizeObserver();
  const frames = await panelFrames(dashboard, table, answers, theme);
  expect(frames).toHaveLength(1);
  tableFrame = frames[0];
  rows = Array.from({ length: tableFrame.length }, (_, i) => ({
    series: field(tableFrame, 'series').values[i],
    shape: field(tableFrame, 'shape').values[i],
    severity: field(tableFrame, 'severity').values[i],
    timeToLimit: field(tableFrame, 'time_to_limit_seconds').values[i],
  }));
});

describe('the answers', () => {
  it('cover every panel query and annotation of the dashboard, over its range', () => {
    const range = dashboardTimeRange(dashboard, answers);
    expect(range.to.valueOf() - range.from.valueOf()).toBe(7 * 24 * 3600 * 1000); // now-7d to now
    expect(requests.map((r) => r.panelId).filter(Boolean)).toEqual(
      dashboard.panels.filter((p) => p.datasource?.type === 'memshape-memory-datasource').map((p) => p.id)
    );
    expect(requests.some((r) => r.annotation === 'Rollouts, restarts, jumps and leak onsets')).toBe(true);
  });

  it('name each workload once, however many pods it ran, with every shape the workloads were built with', async () => {
    // The workloads the time series panel draws pods of (each has its limit line, labelled with its workload).
    const frames = await panelFrames(dashboard, timeSeries, answers, theme);
    const workloads = new Set<string>();
    let pods = 0;
    for (const frame of frames) {
      for (const f of frame.fields.filter((x) => x.type === 'number')) {
        if (f.labels?.memshape_overlay === 'limit') {
          workloads.add(`${f.labels.namespace}/${f.labels.workload}`);
        } else if (!f.labels?.memshape_overlay) {
          pods++;
        }
      }
    }
    expect(workloads.size).toBeGreaterThan(10);
    expect(pods).toBeGreaterThan(20 * workloads.size); // rollouts, an autoscaled worker, restarted containers
    expect(rows.map((r) => r.series).sort()).toEqual([...workloads].sort());
    expect(new Set(rows.map((r) => r.shape))).toEqual(new Set(['leak', 'bloat', 'fragmentation', 'healthy']));
  });
});

describe('the stat panels', () => {
  it.each(SHAPES)('count the table rows whose shape is %s, in the colour the table gives it', async (shape) => {
    const panel = stats.find((p) => countedShape(p) === shape)!;
    expect(panel).toBeDefined();
    const values = statValues(panel, await panelFrames(dashboard, panel, answers, theme), theme);
    expect(values).toHaveLength(1);
    const expected = rows.filter((r) => r.shape === shape).length;
    expect(values[0].display.text).toBe(String(expected));
    // The stat's background is the colour the table's value mapping gives the shape's cells.
    const shapeField = field(tableFrame, 'shape');
    expect(values[0].display.color).toBe(shapeField.display!(shape).color);
  });

  it('add up to the rows of the table', async () => {
    let total = 0;
    for (const panel of stats.filter((p) => countedShape(p))) {
      const values = statValues(panel, await panelFrames(dashboard, panel, answers, theme), theme);
      total += Number(values[0].display.text);
    }
    expect(total).toBe(rows.length);
  });

  // Grafana's stat panel matches its field pattern against display names, and the backend names that field
  // "time to limit": a pattern on the field's name ("/^time_to_limit_seconds$/") finds nothing and the panel
  // always shows its noValue, "none in sight".
  it('"Soonest limit" shows the nearest time to limit in the table', async () => {
    const panel = stats.find((p) => p.title === 'Soonest limit')!;
    const values = statValues(panel, await panelFrames(dashboard, panel, answers, theme), theme);
    const nearest = Math.min(...rows.map((r) => r.timeToLimit).filter((t): t is number => t !== null));
    expect(values).toHaveLength(1);
    expect(values[0].display.numeric).toBeCloseTo(nearest);
  });
});

describe('the verdict table', () => {
  it('drops or hides the columns the dashboard hides', () => {
    const names = tableFrame.fields.map((f) => f.name);
    for (const dropped of ['container', 'job', 'instance', 'metric', 'limit_bytes']) {
      expect(names).not.toContain(dropped);
    }
    // Namespace and workload stay in the frame for the link to the service dashboard, hidden as Grafana's table reads it.
    for (const hidden of ['namespace', 'workload']) {
      expect(field(tableFrame, hidden).config.custom?.hideFrom?.viz).toBe(true);
    }
    expect(names.slice(0, 3)).toEqual(['series', 'shape', 'confidence']);
  });

  it("links each workload to the service dashboard with its namespace and workload, the data source and the dashboard's time", async () => {
    const service: DashboardModel = readJSON(path.join(ROOT, 'provisioning', 'dashboards', 'service.json'));
    const serviceVariables = new Set(service.templating.list.map((v) => v.name));
    const [frame] = await panelFrames(dashboard, table, answers, theme, grafanaDataLinkVariables);
    const series = field(frame, 'series');
    expect(frame.length).toBeGreaterThan(5);
    for (let row = 0; row < frame.length; row++) {
      const links = series.getLinks!({ valueRowIndex: row });
      expect(links).toHaveLength(1);
      const url = new URL(links[0].href, 'http://grafana.example');
      expect(url.pathname).toBe(`/d/${service.uid}/memory-shape-service`);
      const params = url.searchParams;
      for (const key of params.keys()) {
        if (key.startsWith('var-')) {
          expect(serviceVariables).toContain(key.slice(4));
        }
      }
      expect(params.get('var-namespace')).toBe(field(frame, 'namespace').values[row]);
      expect(params.get('var-workload')).toBe(field(frame, 'workload').values[row]);
      expect(`${params.get('var-namespace')}/${params.get('var-workload')}`).toBe(series.values[row]);
      expect(params.get('var-datasource')).toBe('memshape');
      expect([params.get('from'), params.get('to')]).toEqual(['1700000000000', '1700086400000']);
      expect(links[0].title).toBe(`Service dashboard of ${series.values[row]}`);
    }
    // The other columns have no link.
    expect(field(frame, 'shape').getLinks!({ valueRowIndex: 0 })).toEqual([]);
  });

  // Grafana's organize transformation orders and renames by display name, and the backend sets "growth per hour"
  // and "time to limit" as the display names: keyed by field name, the two columns would land after the
  // explanation, past the panel's right edge.
  it('shows growth and time to limit next to the confidence, as the dashboard orders them', () => {
    expect(tableFrame.fields.map((f) => f.name).slice(0, 5)).toEqual([
      'series',
      'shape',
      'confidence',
      'growth_bytes_per_hour',
      'time_to_limit_seconds',
    ]);
  });

  it('is sorted worst first by a column the sort can find', () => {
    const [sortBy] = table.options.sortBy;
    expect(sortBy).toEqual({ displayName: 'severity', desc: true });
    expect(tableFrame.fields.map((f) => getFieldDisplayName(f, tableFrame))).toContain(sortBy.displayName);
    const severities = rows.map((r) => r.severity);
    expect(severities).toEqual([...severities].sort((a, b) => b - a));
    expect(rows[0].shape).toBe('leak');
  });

  it('colours and names each shape cell as the dashboard maps it', () => {
    const shapeField = field(tableFrame, 'shape');
    expect(shapeField.config.custom.cellOptions.type).toBe('color-background');
    const leak = shapeField.display!('leak');
    expect(leak.text).toBe('LEAK');
    expect(leak.color).toBe(theme.visualization.getColorByName('red'));
    expect(shapeField.display!('healthy').color).toBe(theme.visualization.getColorByName('green'));
  });

  it('wraps the explanation where Grafana 12.2+ reads it (custom.wrapText, after the table migration)', () => {
    const explanation = field(tableFrame, 'explanation');
    expect(explanation.config.custom.wrapText).toBe(true);
    expect(explanation.config.custom.cellOptions).toEqual({ type: 'auto' });
  });
});

describe('the worst offenders panel', () => {
  let frames: DataFrame[];
  beforeAll(async () => {
    frames = await panelFrames(dashboard, timeSeries, answers, theme);
  });

  beforeEach(() => {
    const annotations = panelAnnotations(dashboard, timeSeries.id, answers, theme);
    const timeRange = dashboardTimeRange(dashboard, answers);
    render(
      <PanelFrame panel={timeSeries} frames={frames} width={1568} height={448}>
        {(w, h) => (
          <TimeSeriesPanel
            panel={timeSeries}
            frames={frames}
            width={w}
            height={h}
            timeRange={timeRange}
            annotations={annotations}
          />
        )}
      </PanelFrame>
    );
  });

  it('lists the pods of the growing workloads — and only those — in the legend, each named by workload and pod with its verdict', () => {
    const legend = legendRows();
    const growing = rows.filter((r) => GROWING.includes(r.shape));
    expect(growing.length).toBeGreaterThan(0);
    expect(new Set(legend.map((r) => r.name.split(' · ')[0]))).toEqual(new Set(growing.map((r) => r.series)));
    for (const entry of legend) {
      const [workload, pod, verdict] = entry.name.split(' · ');
      const row = growing.find((r) => r.series === workload)!;
      expect(pod).toMatch(new RegExp(`^${workload.split('/')[1]}-[a-z0-9-]+$`));
      expect(verdict).toBe(row.shape.toUpperCase()); // no number that moves between refreshes
      expect(entry.dashed).toBe(false);
    }
    // Several pods per workload: its rollouts' and restarts' lifetimes.
    expect(legend.length).toBeGreaterThan(2 * growing.length);
  });

  it('draws each growing workload’s fit or steps dashed, in the colour of its pods, out of the legend', async () => {
    const frames = await panelFrames(dashboard, timeSeries, answers, theme);
    const fields = frames.flatMap((f) =>
      f.fields.filter((x) => x.type === 'number').map((x) => ({ frame: f, field: x }))
    );
    for (const r of rows.filter((x) => GROWING.includes(x.shape))) {
      const overlays = fields.filter(({ frame, field }) =>
        new RegExp(`^${r.series} · ((linear|logarithmic|saturating) fit|steps)$`).test(
          getFieldDisplayName(field, frame)
        )
      );
      expect(overlays.length).toBeGreaterThan(0);
      const pod = fields.find(
        ({ frame, field }) =>
          getFieldDisplayName(field, frame).startsWith(`${r.series} · `) && !field.labels?.memshape_overlay
      )!;
      for (const { field } of overlays) {
        expect(field.config.custom.lineStyle.fill).toBe('dash');
        expect(field.config.custom.hideFrom.legend).toBe(true);
        expect(field.config.color).toEqual(pod.field.config.color);
      }
    }
  });

  it("shows the query's notice in its title bar, counting workloads", () => {
    const leaks = rows.filter((r) => r.shape === 'leak').length;
    expect(screen.getByTestId('panel-notice-warning').getAttribute('aria-label')).toMatch(
      new RegExp(`^LEAK in ${leaks} of ${rows.length} workloads over 7 days — `)
    );
  });
});

describe('the annotations', () => {
  const events = panelAnnotations(dashboard, timeSeries.id, answers, theme);
  const range = dashboardTimeRange(dashboard, answers);

  it('reach the worst offenders panel — rollouts, restarts, jumps and the rollout a leak started at, of the growing workloads — in orange', () => {
    const growing = new Set(rows.filter((r) => GROWING.includes(r.shape)).map((r) => r.series));
    const of = (kind: RegExp) => events.filter((e) => kind.test(e.title!) && growing.has(e.title!.split(' · ')[1]));
    expect(of(/^Jump /).length).toBeGreaterThan(0);
    expect(of(/^Restart /).length).toBeGreaterThan(0);
    expect(of(/^Rollout /).length).toBeGreaterThan(0);
    expect(of(/^LEAK since this rollout /).length).toBe(1);
    for (const e of events) {
      expect(e.color).toBe(theme.visualization.getColorByName('orange'));
      expect(e.time).toBeGreaterThanOrEqual(range.from.valueOf());
      expect(e.time).toBeLessThanOrEqual(range.to.valueOf());
    }
    // A jump is a region (its rise and the share freed after), a restart a moment.
    expect(events.find((e) => /^Jump /.test(e.title!))!.isRegion).toBe(true);
    expect(events.find((e) => /^Restart /.test(e.title!))!.isRegion).toBe(false);
    expect(events.find((e) => /^Rollout /.test(e.title!))!.isRegion).toBe(false);
  });

  it('reach no other panel (the annotation is filtered to the worst offenders panel)', () => {
    for (const panel of dashboard.panels.filter((p) => p.id !== timeSeries.id)) {
      expect(panelAnnotations(dashboard, panel.id, answers, theme)).toHaveLength(0);
    }
  });

  it('are drawn as Grafana draws them: a dashed line 2 px wide per event, regions shaded between two lines', () => {
    const config = new UPlotConfigBuilder();
    render(<AnnotationMarks config={config} events={events} />);
    const draw = config.getConfig().hooks?.draw;
    expect(draw).toHaveLength(1);
    const strokes: Array<{ x: number; color: string; width: number; dash: number[] }> = [];
    const fills: Array<{ x: number; w: number; color: string }> = [];
    let lineWidth = 1;
    let dash: number[] = [];
    let strokeStyle = '';
    let fillStyle = '';
    let x = 0;
    const ctx = {
      save() {},
      restore() {},
      beginPath() {},
      rect() {},
      clip() {},
      closePath() {},
      fill() {},
      lineTo() {},
      setLineDash: (d: number[]) => (dash = d),
      moveTo: (mx: number) => (x = mx),
      stroke: () => strokes.push({ x, color: strokeStyle, width: lineWidth, dash }),
      fillRect: (fx: number, _y: number, w: number) => fills.push({ x: fx, w, color: fillStyle }),
      set lineWidth(w: number) {
        lineWidth = w;
      },
      set strokeStyle(c: string) {
        strokeStyle = c;
      },
      set fillStyle(c: string) {
        fillStyle = c;
      },
    };
    const from = range.from.valueOf();
    const to = range.to.valueOf();
    const plot = {
      ctx,
      bbox: { left: 0, top: 0, width: 1000, height: 400 },
      valToPos: (t: number) => ((t - from) / (to - from)) * 1000,
    };
    draw![0]!(plot as never);
    const regions = events.filter((e) => e.isRegion);
    expect(strokes).toHaveLength(events.length + regions.length);
    expect(strokes.every((s) => s.width === 2 && s.dash.join() === '5,5')).toBe(true);
    expect(strokes.every((s) => s.color === events[0].color)).toBe(true);
    const jump = events.find((e) => /^Jump /.test(e.title!))!;
    expect(strokes.some((s) => Math.abs(s.x - plot.valToPos(jump.time)) < 1e-9)).toBe(true);
    // Each region shaded across the plot, and marked below it; each moment marked by a triangle below it.
    expect(fills.filter((f) => f.color !== events[0].color)).toHaveLength(regions.length);
  });
});

describe('the layout', () => {
  it('places the panels on the 24-column grid without overlap, as gridPos says', () => {
    const boxes = dashboard.panels.map((p) => ({ id: p.id, ...gridBox(p.gridPos, 1568) }));
    for (const a of boxes) {
      expect(a.left + a.width).toBeLessThanOrEqual(1568);
      for (const b of boxes) {
        if (a.id < b.id) {
          const overlap =
            a.left < b.left + b.width &&
            b.left < a.left + a.width &&
            a.top < b.top + b.height &&
            b.top < a.top + a.height;
          expect({ a: a.id, b: b.id, overlap }).toEqual({ a: a.id, b: b.id, overlap: false });
        }
      }
    }
    // Stats on the first row, the table under them, the worst offenders at the bottom.
    expect(stats.every((p) => p.gridPos.y === 0)).toBe(true);
    expect(table.gridPos.y).toBeGreaterThan(0);
    expect(timeSeries.gridPos.y).toBeGreaterThan(table.gridPos.y);
    expect(gridHeight(dashboard)).toBe(27 * 38 - 8);
  });
});
