/**
 * The backend's golden /api/ds/query answers (pkg/plugin/testdata/golden/*.json) as a Grafana dashboard shows
 * them, built from Grafana's own code: @grafana/runtime's toDataQueryResponse, @grafana/data's
 * applyFieldOverrides with a dashboard's field config, and @grafana/ui's PanelChrome and TimeSeries (the tables are
 * in goldenTables.tsx).
 *
 * The docs screenshot harness (scripts/screenshots) photographs these components and src/goldenPanels.test.tsx
 * renders the same tree, so the README's pictures cannot drift from the data. Not part of the plugin bundle.
 */
import { css } from '@emotion/css';
import React, { useMemo } from 'react';
import {
  applyFieldOverrides,
  cacheFieldDisplayNames,
  DataFrame,
  dataLinksOverrideProcessor,
  dateTime,
  FieldConfigOptionsRegistry,
  FieldConfigPropertyItem,
  FieldConfigSource,
  FieldType,
  GrafanaTheme2,
  identityOverrideProcessor,
  numberOverrideProcessor,
  QueryResultMetaNotice,
  thresholdsOverrideProcessor,
  TimeRange,
  valueMappingsOverrideProcessor,
} from '@grafana/data';
import { toDataQueryResponse } from '@grafana/runtime';
import { LegendDisplayMode, MappingType, TooltipDisplayMode } from '@grafana/schema';
import { Icon, PanelChrome, TimeSeries, Tooltip, useStyles2, useTheme2 } from '@grafana/ui';

/** The body of Grafana's /api/ds/query answer: `{"results":{"A":{"status":200,"frames":[…]}}}`. */
export interface QueryDataBody {
  results: Record<string, unknown>;
}

/** Shapes and the colour a dashboard gives each (Grafana's named colours; inconclusive is grey). */
export const SHAPE_COLORS: Record<string, string> = {
  leak: 'red',
  bloat: 'orange',
  fragmentation: 'yellow',
  healthy: 'green',
  inconclusive: '#8e8e8e',
};

/** The value mapping a dashboard sets on a shape column: one colour per shape. */
export const shapeMapping = {
  type: MappingType.ValueToText,
  options: Object.fromEntries(Object.entries(SHAPE_COLORS).map(([shape, color], index) => [shape, { color, index }])),
};

/**
 * The time series panel's field config as a dashboard saves it: Grafana's defaults for the panel (classic
 * palette, lines 1 px wide, no fill), the unit in bytes. The overlays' dashes come from the data source's own
 * field config (`custom.lineStyle`), which panel defaults never replace.
 */
export const TIME_SERIES_FIELD_CONFIG: FieldConfigSource = {
  defaults: {
    unit: 'bytes',
    color: { mode: 'palette-classic' },
    custom: {
      drawStyle: 'line',
      lineInterpolation: 'linear',
      lineWidth: 1,
      fillOpacity: 0,
      gradientMode: 'none',
      showPoints: 'never',
      pointSize: 5,
      spanNulls: false,
      axisPlacement: 'auto',
      axisBorderShow: false,
      axisCenteredZero: false,
      axisColorMode: 'text',
      scaleDistribution: { type: 'linear' },
      stacking: { mode: 'none', group: 'A' },
      thresholdsStyle: { mode: 'off' },
      hideFrom: { legend: false, tooltip: false, viz: false },
    },
  },
  overrides: [],
};

/**
 * The options a panel registers for its field config (in Grafana, PanelPlugin.fieldConfigRegistry): the standard
 * ones and the panel's custom ones. applyFieldOverrides applies only options it finds here.
 */
export function fieldConfigRegistry(source: FieldConfigSource): FieldConfigOptionsRegistry {
  const registry = new FieldConfigOptionsRegistry();
  const item = (
    id: string,
    isCustom: boolean,
    process: FieldConfigPropertyItem['process'] = identityOverrideProcessor
  ) =>
    ({
      id,
      path: isCustom ? id.replace(/^custom\./, '') : id,
      name: id,
      isCustom,
      process,
      shouldApply: () => true,
      editor: () => null,
      override: () => null,
    }) as unknown as FieldConfigPropertyItem;
  for (const id of ['unit', 'displayName', 'noValue', 'color']) {
    registry.register(item(id, false));
  }
  for (const id of ['decimals', 'min', 'max']) {
    registry.register(item(id, false, numberOverrideProcessor));
  }
  registry.register(item('mappings', false, valueMappingsOverrideProcessor));
  registry.register(item('thresholds', false, thresholdsOverrideProcessor));
  registry.register(item('links', false, dataLinksOverrideProcessor));
  const custom = new Set([
    ...Object.keys(source.defaults.custom ?? {}).map((key) => `custom.${key}`),
    ...source.overrides.flatMap((o) => o.properties.map((p) => p.id)).filter((id) => id.startsWith('custom.')),
  ]);
  custom.forEach((id) => registry.register(item(id, true)));
  return registry;
}

/** The frames of a golden answer, as toDataQueryResponse hands them to a panel. */
export function responseFrames(body: QueryDataBody): DataFrame[] {
  const response = toDataQueryResponse({ data: body } as Parameters<typeof toDataQueryResponse>[0]);
  if (response.errors?.length) {
    throw new Error(`the answer has errors: ${response.errors.map((e) => e.message).join('; ')}`);
  }
  return response.data as DataFrame[];
}

/**
 * Frames after the dashboard's field config, display processing in UTC, each field's display name worked out once
 * (as Grafana's panels do before they draw: the table reads it from the field's state).
 */
export function withFieldConfig(frames: DataFrame[], fieldConfig: FieldConfigSource, theme: GrafanaTheme2) {
  const result = applyFieldOverrides({
    data: frames,
    fieldConfig,
    fieldConfigRegistry: fieldConfigRegistry(fieldConfig),
    replaceVariables: (value: string) => value,
    theme,
    timeZone: 'utc',
  });
  cacheFieldDisplayNames(result);
  return result;
}

/**
 * What Grafana's time series panel can draw: frames with a time field and numbers. The verdict table has no time
 * field, so the panel leaves it out.
 */
export function graphableFrames(frames: DataFrame[]): DataFrame[] {
  return frames.filter(
    (frame) =>
      frame.fields.some((f) => f.type === FieldType.time) && frame.fields.some((f) => f.type === FieldType.number)
  );
}

/**
 * The panel's time range. The golden answers do not carry the request's range, but every answer covers it: the
 * series start at its beginning and end at its end, or the forecast does when the panel reaches past the data.
 */
export function timeRangeOf(frames: DataFrame[]): TimeRange {
  let from = Infinity;
  let to = -Infinity;
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (field.type === FieldType.time) {
        for (const t of field.values as number[]) {
          from = Math.min(from, t);
          to = Math.max(to, t);
        }
      }
    }
  }
  if (!isFinite(from)) {
    throw new Error('no time field in any frame: nothing for a time series panel to draw');
  }
  const range = { from: dateTime(from).utc(), to: dateTime(to).utc() };
  return { ...range, raw: range };
}

/** The notices of the panel's frames, one per severity, as Grafana's panel header collects them. */
export function panelNotices(frames: DataFrame[]): QueryResultMetaNotice[] {
  const bySeverity = new Map<string, QueryResultMetaNotice>();
  for (const frame of frames) {
    for (const notice of frame.meta?.notices ?? []) {
      bySeverity.set(notice.severity, notice);
    }
  }
  return [...bySeverity.values()];
}

/**
 * A notice as Grafana's panel header shows it (PanelHeaderNotice in Grafana): an icon in the title bar whose
 * tooltip is the notice's text. `open` shows the tooltip as it is on hover.
 */
export function PanelHeaderNotice({ notice, open }: { notice: QueryResultMetaNotice; open?: boolean }) {
  const styles = useStyles2(getNoticeStyles);
  const icon = notice.severity === 'info' ? 'info-circle' : 'exclamation-triangle';
  return (
    <Tooltip content={<span data-testid="panel-notice-text">{notice.text}</span>} show={open} placement="top-start">
      <span className={styles.notice} data-testid={`panel-notice-${notice.severity}`} aria-label={notice.text}>
        <Icon name={icon} />
      </span>
    </Tooltip>
  );
}

const getNoticeStyles = (theme: GrafanaTheme2) => ({
  notice: css({
    width: theme.spacing(theme.components.panel.headerHeight),
    height: theme.spacing(theme.components.panel.headerHeight),
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    cursor: 'pointer',
  }),
});

export interface PanelProps {
  body: QueryDataBody;
  title: string;
  width: number;
  height: number;
}

/**
 * A time series panel on a dashboard: the title bar with the query's notices, the series and the backend's
 * overlays drawn by @grafana/ui's TimeSeries (Grafana's time series panel's plot and legend), the legend a table on
 * the right. `openNotice` shows the notice's tooltip.
 */
export function MemoryPanel({ body, title, width, height, openNotice }: PanelProps & { openNotice?: boolean }) {
  const theme = useTheme2();
  const { frames, notices, timeRange } = useMemo(() => {
    const all = withFieldConfig(responseFrames(body), TIME_SERIES_FIELD_CONFIG, theme);
    return { frames: graphableFrames(all), notices: panelNotices(all), timeRange: timeRangeOf(all) };
  }, [body, theme]);
  return (
    <PanelChrome
      title={title}
      width={width}
      height={height}
      titleItems={notices.map((notice) => (
        <PanelHeaderNotice key={notice.severity} notice={notice} open={openNotice} />
      ))}
    >
      {(innerWidth, innerHeight) => (
        <TimeSeries
          frames={frames}
          width={innerWidth}
          height={innerHeight}
          timeRange={timeRange}
          timeZone="utc"
          legend={{ showLegend: true, displayMode: LegendDisplayMode.Table, placement: 'right', calcs: [] }}
          options={{ tooltip: { mode: TooltipDisplayMode.Multi, sort: 'none' } }}
        />
      )}
    </PanelChrome>
  );
}
