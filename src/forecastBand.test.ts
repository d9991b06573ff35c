/**
 * The forecast's band as Grafana's time series panel draws it, judged by Grafana's own code.
 *
 * The backend sends a forecast with a band as two more overlay series — its lower and upper edge — and sets, in
 * its own field config, `custom.fillBelowTo` on the upper edge to the lower edge's display name: the time series
 * panel then shades between the two, in every panel, without a dashboard override. The panel finds that field by
 * display name (or name) among the panel's series joined into one frame, and adds a uPlot band between the two.
 * Here a golden answer (pkg/plugin/testdata/golden/panel-series-forecast.json) goes through @grafana/runtime's
 * toDataQueryResponse, @grafana/data's applyFieldOverrides with a dashboard's field config, and @grafana/ui's own
 * preparePlotFrame and preparePlotConfigBuilder (the time series panel's join and plot config, read from the
 * package's build: @grafana/ui does not export them).
 */
import {
  createTheme,
  DataFrame,
  dateTime,
  Field,
  FieldMatcherID,
  fieldMatchers,
  FieldType,
  getFieldDisplayName,
} from '@grafana/data';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
  graphableFrames,
  responseFrames,
  TIME_SERIES_FIELD_CONFIG,
  timeRangeOf,
  withFieldConfig,
} from './testing/goldenPanels';

const GOLDEN_DIR = path.resolve(__dirname, '..', 'pkg', 'plugin', 'testdata', 'golden');
const UI_BUILD = path.resolve(__dirname, '..', 'node_modules', '@grafana', 'ui', 'dist', 'cjs', 'graveyard');

// Internal modules of @grafana/ui's build, not exported.
const { preparePlotFrame } = require(path.join(UI_BUILD, 'GraphNG', 'utils.cjs'));
const { preparePlotConfigBuilder } = require(path.join(UI_BUILD, 'TimeSeries', 'utils.cjs'));

const theme = createTheme();
const body = JSON.parse(readFileSync(path.join(GOLDEN_DIR, 'panel-series-forecast.json'), 'utf8'));
const all = withFieldConfig(responseFrames(body), TIME_SERIES_FIELD_CONFIG, theme);
const frames = graphableFrames(all);

const valueOf = (frame: DataFrame): Field => frame.fields.find((f) => f.type === FieldType.number)!;
const kindOf = (frame: DataFrame) => valueOf(frame).labels?.memshape_overlay;
const nameOf = (frame: DataFrame) => getFieldDisplayName(valueOf(frame), frame, frames);

const sortedLabels = (labels: Record<string, string> = {}) => Object.entries(labels).sort();

/** The frames of one series' band: its lower and upper edge, and the series (named as the panel names it). */
function bands() {
  return frames
    .filter((f) => kindOf(f) === 'forecast_upper')
    .map((upper) => {
      const parentName = nameOf(upper).replace(/ · forecast upper$/, '');
      const lower = frames.find(
        (f) => kindOf(f) === 'forecast_lower' && nameOf(f) === `${parentName} · forecast lower`
      );
      // The series is the one labelled as its overlays are, less memshape_overlay.
      const { memshape_overlay: _, ...labels } = valueOf(upper).labels ?? {};
      const series = frames.find(
        (f) => !kindOf(f) && JSON.stringify(sortedLabels(valueOf(f).labels)) === JSON.stringify(sortedLabels(labels))
      );
      return { parentName, upper, lower, series };
    });
}

describe("the forecast's band in Grafana's time series panel", () => {
  it('comes with every forecast the golden answer draws', () => {
    const forecasts = frames.filter((f) => kindOf(f) === 'forecast');
    expect(forecasts.length).toBeGreaterThanOrEqual(2);
    expect(bands()).toHaveLength(forecasts.length);
  });

  it.each(bands().map((b) => [b.parentName, b]))(
    '%s: the upper edge fills down to a field of the panel named as fillBelowTo says',
    (_, { upper, lower, series }) => {
      expect(lower).toBeDefined();
      expect(series).toBeDefined();
      const fillBelowTo = valueOf(upper).config.custom?.fillBelowTo;
      // After display names are computed, fillBelowTo names exactly one field of the panel: the lower edge.
      const named = frames.filter((f) => getFieldDisplayName(valueOf(f), f, frames) === fillBelowTo);
      expect(named).toEqual([lower]);
      expect(valueOf(lower!).config.custom?.fillBelowTo).toBeUndefined();
      // Both out of the legend and the tooltip, drawn, in the series' colour.
      for (const edge of [upper, lower!]) {
        expect(valueOf(edge).config.custom?.hideFrom).toEqual({ legend: true, tooltip: true, viz: false });
        expect(valueOf(edge).config.color).toEqual(valueOf(series!).config.color);
      }
      // The band holds the forecast: lower ≤ forecast ≤ upper at every time they share.
      const forecast = frames.find(
        (f) => kindOf(f) === 'forecast' && nameOf(f) === nameOf(upper).replace(/ upper$/, '')
      )!;
      const at = (frame: DataFrame) =>
        new Map((frame.fields[0].values as number[]).map((t, i) => [t, valueOf(frame).values[i] as number | null]));
      const lo = at(lower!);
      const hi = at(upper);
      for (const [t, v] of at(forecast)) {
        if (v === null) {
          continue;
        }
        expect(lo.get(t)).toBeLessThanOrEqual(v);
        expect(hi.get(t)).toBeGreaterThanOrEqual(v);
      }
    }
  );

  it("becomes a uPlot band between the two edges in the panel's own plot config, shaded in the series' colour", () => {
    const timeRange = timeRangeOf(all);
    const aligned = preparePlotFrame(
      frames,
      {
        x: fieldMatchers.get(FieldMatcherID.firstTimeField).get({}),
        y: fieldMatchers.get(FieldMatcherID.byTypes).get(new Set([FieldType.number, FieldType.enum])),
      },
      timeRange
    );
    expect(aligned).toBeTruthy();
    const builder = preparePlotConfigBuilder({
      frame: aligned,
      theme,
      timeZones: ['utc'],
      getTimeRange: () => timeRange,
      allFrames: frames,
      renderers: [],
      sync: () => 0,
    });
    const config = builder.getConfig();
    const alignedName = (i: number) => {
      const origin = aligned.fields[i].state?.origin;
      return getFieldDisplayName(
        frames[origin.frameIndex].fields[origin.fieldIndex],
        frames[origin.frameIndex],
        frames
      );
    };
    const want = bands();
    expect(config.bands ?? []).toHaveLength(want.length);
    for (const band of config.bands ?? []) {
      const [t, b] = band.series as [number, number];
      expect(alignedName(t)).toMatch(/ · forecast upper$/);
      expect(alignedName(b)).toBe(alignedName(t).replace(/upper$/, 'lower'));
      const { series } = want.find((w) => alignedName(t) === `${w.parentName} · forecast upper`)!;
      const colour = theme.visualization.getColorByName(valueOf(series!).config.color!.fixedColor!);
      // The upper edge's series carries the fill the band takes (fill: undefined in the band): the series' colour,
      // translucent.
      const upperSeries = config.series[t];
      expect(typeof upperSeries.fill).toBe('string');
      expect(upperSeries.fill).not.toBe(colour);
      expect(upperSeries.stroke).toBe(colour);
    }
    expect(dateTime(timeRange.to).valueOf()).toBeGreaterThan(dateTime(timeRange.from).valueOf());
  });
});
