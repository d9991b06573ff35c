/**
 * The backend's real answers read by Grafana's own frontend code.
 *
 * pkg/plugin/testdata/golden/*.json are `json.Marshal(backend.QueryDataResponse)` bodies written by the Go tests
 * (the `/api/ds/query` body Grafana's frontend receives). Each goes through @grafana/runtime's
 * toDataQueryResponse, @grafana/data's applyFieldOverrides (display processing, units) and getFieldDisplayName
 * (the legend), as in a panel.
 */
import {
  applyFieldOverrides,
  createTheme,
  DataFrame,
  Field,
  FieldType,
  formattedValueToString,
  getFieldDisplayName,
} from '@grafana/data';
import { toDataQueryResponse } from '@grafana/runtime';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { standardAnnotationEvents } from './testing/dashboard';

const GOLDEN_DIR = path.resolve(__dirname, '..', 'pkg', 'plugin', 'testdata', 'golden');

function goldenFiles(): string[] {
  if (!existsSync(GOLDEN_DIR)) {
    throw new Error(
      `${GOLDEN_DIR} is missing: the Go tests write the golden /api/ds/query answers there (go test ./pkg/plugin)`
    );
  }
  const files = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json'));
  if (files.length === 0) {
    throw new Error(`${GOLDEN_DIR} has no *.json: run the Go tests that write the golden answers`);
  }
  return files.sort();
}

/** A golden answer as a panel sees it: frames per query, display-processed. */
function load(name: string): Map<string, DataFrame[]> {
  const body = JSON.parse(readFileSync(path.join(GOLDEN_DIR, name), 'utf8'));
  const response = toDataQueryResponse({ data: body } as never);
  expect(response.errors ?? []).toEqual([]);
  const frames = applyFieldOverrides({
    data: response.data as DataFrame[],
    fieldConfig: { defaults: {}, overrides: [] },
    replaceVariables: (value: string) => value,
    theme: createTheme(),
    timeZone: 'utc',
  });
  const byQuery = new Map<string, DataFrame[]>();
  for (const frame of frames) {
    const refId = frame.refId ?? '';
    byQuery.set(refId, [...(byQuery.get(refId) ?? []), frame]);
  }
  // Queries that answered no frame at all still count (toDataQueryResponse drops nothing we rely on).
  for (const refId of Object.keys(body.results ?? {})) {
    if (!byQuery.has(refId)) {
      byQuery.set(refId, []);
    }
  }
  return byQuery;
}

const valueField = (frame: DataFrame): Field | undefined => frame.fields.find((f) => f.type === FieldType.number);
const isOverlay = (frame: DataFrame) => !!valueField(frame)?.labels?.memshape_overlay;
const labelKey = (labels: Record<string, string> = {}, without?: string) =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== without)
      .sort()
  );

// `api-7 · LEAK`, `shop/cart · cart-7d9f8b6c5d-x2kq4 · LEAK`: the legend name (a workload's with the pod), then the
// shape of a growing series; healthy and inconclusive series carry none. No number: a name must not move between
// refreshes (a legend click saves an override matched by it).
const LEAK_NAME = /^(.+) · LEAK$/;
const SHAPE_SUFFIX = / · (LEAK|FRAGMENTATION|BLOAT)$/;
const MOVING_NUMBER = /\d+(\.\d+)? ?(B|KiB|MiB|GiB|TiB)(\/h)?\b|~\d|\bin \d+ jumps?\b/;
const OVERLAY_NAME =
  /^(.+) · (linear fit|logarithmic fit|saturating fit|fit|steps|forecast|forecast lower|forecast upper|limit)$/;
// The forecast's band: its two edges, shaded between (src/forecastBand.test.ts), not dashed lines.
const BAND_EDGE = new Set(['forecast_lower', 'forecast_upper']);

describe('golden answers through Grafana', () => {
  const files = goldenFiles();

  it('has the answers the frontend relies on', () => {
    expect(files).toEqual(
      expect.arrayContaining(['alert-default.json', 'alert-nodata.json', 'annotations-week.json', 'panel-all-3d.json'])
    );
  });

  describe.each(files)('%s', (file) => {
    const queries = load(file);

    it('has one notice per panel query, on its first frame, short enough to read aloud', () => {
      for (const [, frames] of queries) {
        const notices = frames.flatMap((f, i) => (f.meta?.notices ?? []).map((n) => ({ ...n, frame: i })));
        const hasSeries = frames.some((f) => f.fields.length > 0);
        const alert = frames.every((f) => f.meta?.type === 'numeric-multi');
        if (!hasSeries || alert) {
          // NoData has nothing to say; alert rules read numbers, not notices: at most one.
          expect(notices.length).toBeLessThanOrEqual(1);
          continue;
        }
        expect(notices).toHaveLength(1);
        expect(notices[0].frame).toBe(0);
        expect(notices[0].text.length).toBeLessThanOrEqual(200);
        const leak = /\bLEAK\b/.test(notices[0].text);
        expect(notices[0].severity).toBe(leak ? 'warning' : 'info');
      }
    });

    it('shows every time series in bytes, and keeps label sets unique per frame type', () => {
      for (const [, frames] of queries) {
        const series = frames.filter((f) => f.meta?.type === 'timeseries-multi');
        const seen = new Set<string>();
        for (const frame of series) {
          const value = valueField(frame)!;
          expect(value.config.unit).toBe('bytes');
          // Grafana's own display processing formats the values in binary units.
          expect(formattedValueToString(value.display!(2 ** 30))).toBe('1 GiB');
          const key = labelKey(value.labels);
          expect(seen.has(key)).toBe(false);
          seen.add(key);
        }
      }
    });

    it('names each series by its legend and shape, and each overlay after its parent, dashed, in its colour, out of the legend', () => {
      for (const [, frames] of queries) {
        const series = frames.filter((f) => f.meta?.type === 'timeseries-multi');
        const all = series;
        // A series' parent name is its legend name: for a workload's pod, the workload's (before the pod).
        const colours = new Map<string, string>();
        for (const frame of series.filter((f) => !isOverlay(f))) {
          const value = valueField(frame)!;
          const name = getFieldDisplayName(value, frame, all);
          expect(name).toBe(value.config.displayNameFromDS);
          expect(name).not.toMatch(MOVING_NUMBER);
          const plain = name.replace(SHAPE_SUFFIX, '');
          const parent = value.labels?.pod && plain.includes(' · ') ? plain.split(' · ')[0] : plain;
          expect(value.config.color?.mode).toBe('fixed');
          const colour = value.config.color!.fixedColor!;
          expect(colours.get(parent) ?? colour).toBe(colour); // a workload's pods share one colour
          colours.set(parent, colour);
          expect(value.config.custom?.hideFrom?.legend ?? false).toBe(false);
        }
        for (const frame of series.filter(isOverlay)) {
          const value = valueField(frame)!;
          const name = getFieldDisplayName(value, frame, all);
          const match = OVERLAY_NAME.exec(name);
          expect(match).not.toBeNull();
          expect(colours.has(match![1])).toBe(true);
          expect(value.config.color?.fixedColor).toBe(colours.get(match![1]));
          // The limit dotted, the fits and forecast dashed, the band's edges no line of their own.
          const kind = value.labels?.memshape_overlay ?? '';
          if (BAND_EDGE.has(kind)) {
            expect(value.config.custom?.lineWidth).toBe(0);
          } else {
            expect(value.config.custom?.lineStyle?.fill).toBe(kind === 'limit' ? 'dot' : 'dash');
          }
          expect(value.config.custom?.hideFrom?.legend).toBe(true);
        }
      }
    });
  });

  it('panel-all-3d: a leak is named in the legend by its shape, has a linear fit, and its numbers are in the table', () => {
    const frames = load('panel-all-3d.json').get('A')!;
    const names = frames.map((f) => getFieldDisplayName(valueField(f) ?? f.fields[0], f, frames));
    expect(names.filter((n) => LEAK_NAME.test(n))).not.toHaveLength(0);
    expect(names.filter((n) => n.endsWith(' · linear fit'))).not.toHaveLength(0);
    // The verdict table is its own typed frame, with the time to the limit the legend no longer carries.
    const verdicts = frames.find((f) => f.name === 'verdicts');
    expect(verdicts?.meta?.type).toBe('table');
    const ttl = verdicts!.fields.find((f) => f.name === 'time_to_limit_seconds')!;
    expect(ttl.values.some((v) => typeof v === 'number' && v > 0)).toBe(true);
  });

  it('workloads-verdicts-week: one row per workload, not per pod, with its lifetimes and the release that changed it', () => {
    const frames = load('workloads-verdicts-week.json').get('A')!;
    expect(frames).toHaveLength(1);
    const table = frames[0];
    expect(table.meta?.type).toBe('table');
    const column = (name: string) => table.fields.find((f) => f.name === name);
    const names = column('series')!.values as string[];
    expect(names.length).toBeGreaterThanOrEqual(10);
    names.forEach((n) => expect(n).toMatch(/^[a-z-]+\/[a-z-]+$/)); // namespace/workload
    expect(new Set(names).size).toBe(names.length);
    expect(column('pod')).toBeUndefined();
    expect(column('id')).toBeUndefined();
    for (const label of ['namespace', 'workload', 'container']) {
      expect(column(label)).toBeDefined();
    }
    const row = (name: string) => names.indexOf(name);
    const cart = row('shop/cart');
    const at = (col: string, i: number) => column(col)!.values[i];
    expect(at('shape', cart)).toBe('leak');
    expect(at('lifetimes', cart)).toBeGreaterThanOrEqual(60);
    expect(at('showing', cart)).toBe(at('measured', cart));
    expect(at('replicas', cart)).toBe(3);
    expect(at('worst', cart)).toMatch(/^cart-/);
    const payments = row('shop/payments');
    expect(at('changed_at', payments)).toBeGreaterThan(0);
    expect(at('changed_by', payments)).toMatch(/image registry\.example\/shop\/payments:/);
    // Grafana displays the change as a date.
    const changed = column('changed_at')!;
    expect(changed.config.unit).toBe('dateTimeAsIso');
    expect(formattedValueToString(changed.display!(at('changed_at', payments)))).toMatch(
      /^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d$/
    );
    // No time field: a graph panel leaves the table alone.
    expect(table.fields.some((f) => f.type === FieldType.time)).toBe(false);
  });

  it('workloads-shop-series-6h: each pod drawn and named by workload and pod, one legend row per pod, fits per workload', () => {
    const frames = load('workloads-shop-series-6h.json').get('A')!;
    const names = frames.map((f) => getFieldDisplayName(valueField(f)!, f, frames));
    const pods = frames.filter((f) => !isOverlay(f));
    const overlays = frames.filter(isOverlay);
    pods.forEach((f, i) => {
      const value = valueField(f)!;
      expect(value.labels?.pod).toBeTruthy();
      expect(names[frames.indexOf(f)]).toBe(
        `shop/${names[frames.indexOf(f)].split(' · ')[0].split('/')[1]} · ${value.labels!.pod}` +
          (SHAPE_SUFFIX.exec(names[frames.indexOf(f)])?.[0] ?? '')
      );
      void i;
    });
    expect(names.filter((n) => /^shop\/cart · cart-\w+-\w+ · LEAK$/.test(n)).length).toBeGreaterThanOrEqual(3);
    // Far fewer fit series than pods: one per replica slot of a workload, not one per dead pod.
    const cartFits = overlays.filter((f) => names[frames.indexOf(f)] === 'shop/cart · linear fit');
    expect(cartFits.length).toBeGreaterThan(0);
    expect(cartFits.length).toBeLessThanOrEqual(4);
    // The panel reaches 2 h past the data: the leak's forecast, drawn once for the workload.
    expect(names.filter((n) => n === 'shop/cart · forecast')).toHaveLength(1);
    // The legend lists the pods only.
    const inLegend = frames.filter((f) => !valueField(f)!.config.custom?.hideFrom?.legend);
    expect(inLegend).toHaveLength(pods.length);
  });

  it('verdicts-week: one row per series, worst first, with typed units', () => {
    const frames = load('verdicts-week.json').get('A')!;
    expect(frames).toHaveLength(1);
    const table = frames[0];
    const field = (name: string) => table.fields.find((f) => f.name === name)!;
    expect(table.meta?.type).toBe('table');
    expect(field('confidence').config.unit).toBe('percentunit');
    expect(field('growth_bytes_per_hour').config.unit).toBe('bytes');
    expect(field('time_to_limit_seconds').config.unit).toBe('s');
    const severity = field('severity').values as number[];
    expect([...severity].sort((a, b) => b - a)).toEqual(severity);
    const shapes = field('shape').values as string[];
    shapes.forEach((shape) => expect(['leak', 'fragmentation', 'bloat', 'healthy', 'inconclusive']).toContain(shape));
    // A growing shape never shows negative growth.
    const growth = field('growth_bytes_per_hour').values as number[];
    shapes.forEach((shape, i) => {
      if (['leak', 'fragmentation', 'bloat'].includes(shape)) {
        expect(growth[i]).toBeGreaterThanOrEqual(0);
      }
    });
  });

  it('alert-default: one number per series with unique labels carrying memshape_shape', () => {
    const frames = load('alert-default.json').get('A')!;
    expect(frames.length).toBeGreaterThan(0);
    const keys = new Set<string>();
    for (const frame of frames) {
      expect(frame.meta?.type).toBe('numeric-multi');
      expect(frame.fields).toHaveLength(1);
      const [value] = frame.fields;
      expect(value.name).toBe('leak_confidence');
      expect(value.labels?.memshape_shape).toMatch(/^(leak|fragmentation|bloat|healthy|inconclusive)$/);
      keys.add(labelKey(value.labels));
    }
    expect(keys.size).toBe(frames.length);
  });

  it('alert-nodata: a single numeric frame without fields (NoData)', () => {
    const frames = load('alert-nodata.json').get('A')!;
    expect(frames).toHaveLength(1);
    expect(frames[0].meta?.type).toBe('numeric-multi');
    expect(frames[0].fields).toHaveLength(0);
  });

  it("annotations-week: events through Grafana's standard frame-to-event mapping", () => {
    const frames = load('annotations-week.json').get('A')!;
    const events = standardAnnotationEvents(frames);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(typeof event.time).toBe('number');
      expect(event.title).toBeTruthy();
      expect(event.text).toBeTruthy();
      if (event.timeEnd !== undefined) {
        expect(event.timeEnd).toBeGreaterThanOrEqual(event.time!);
      }
      // Grafana splits tags on bare commas: no tag may carry spaces around it.
      expect(event.tags?.length).toBeGreaterThan(0);
      event.tags!.forEach((tag) => expect(tag).toBe(tag.trim()));
    }
    const titles = events.map((e) => e.title);
    expect(titles.some((t) => /^Leak onset/.test(t!))).toBe(true);
    expect(titles.some((t) => /^Restart/.test(t!))).toBe(true);
    expect(titles.some((t) => /^Jump/.test(t!))).toBe(true);
    // A jump is a range (timeEnd), a restart a point.
    expect(events.find((e) => /^Jump/.test(e.title!))?.timeEnd).toBeDefined();
    expect(events.find((e) => /^Restart/.test(e.title!))?.timeEnd).toBeUndefined();
  });
});
