/**
 * A dashboard's stat and time series panels drawn from their frames (src/testing/dashboard.ts) with Grafana's own
 * components, as Grafana's stat and time series panel plugins draw them: @grafana/ui's PanelChrome around
 * VizRepeater + BigValue (the stat panel), and TimeSeries with the dashboard's legend and tooltip options and the
 * panel's annotations (the time series panel). The table panel, which needs TableNG, is in DemoDashboard.tsx.
 * Not part of the plugin bundle.
 */
import React, { useLayoutEffect, useMemo, useRef } from 'react';
import {
  colorManipulator,
  DataFrame,
  DisplayValueAlignmentFactors,
  FieldDisplay,
  getDisplayValueAlignmentFactors,
  TimeRange,
} from '@grafana/data';
import { TooltipDisplayMode, VizLegendOptions } from '@grafana/schema';
import {
  BigValue,
  PanelChrome,
  TimeSeries,
  UPlotConfigBuilder,
  useTheme2,
  VizRepeater,
  VizRepeaterRenderValueProps,
} from '@grafana/ui';

import { DashboardPanel, PanelAnnotation, statValues } from './dashboard';
import { graphableFrames, PanelHeaderNotice, panelNotices } from './goldenPanels';

export interface PanelViewProps {
  panel: DashboardPanel;
  /** The panel's frames, field config applied (panelFrames). */
  frames: DataFrame[];
  width: number;
  height: number;
}

/** A panel's frame on the dashboard: title, description and its data's notices in the header. */
export function PanelFrame({
  panel,
  frames,
  width,
  height,
  children,
}: PanelViewProps & { children: (innerWidth: number, innerHeight: number) => React.ReactNode }) {
  return (
    <PanelChrome
      title={panel.title}
      description={panel.description}
      width={width}
      height={height}
      titleItems={panelNotices(frames).map((notice) => (
        <PanelHeaderNotice key={notice.severity} notice={notice} />
      ))}
    >
      {children}
    </PanelChrome>
  );
}

/** The stat panel: its values (statValues) repeated over the panel, each a BigValue with the panel's options. */
export function StatPanel({ panel, frames, width, height }: PanelViewProps) {
  const theme = useTheme2();
  const values = useMemo(() => statValues(panel, frames, theme), [panel, frames, theme]);
  const options = panel.options;
  const renderValue = ({
    value,
    alignmentFactors,
    width: w,
    height: h,
    count,
  }: VizRepeaterRenderValueProps<FieldDisplay, DisplayValueAlignmentFactors>) => (
    <BigValue
      value={value.display}
      count={count}
      colorMode={options.colorMode}
      graphMode={options.graphMode}
      justifyMode={options.justifyMode}
      textMode={options.textMode}
      alignmentFactors={alignmentFactors}
      text={options.text}
      width={w}
      height={h}
      theme={theme}
      disableWideLayout={!options.wideLayout}
      percentChangeColorMode={options.percentChangeColorMode}
    />
  );
  return (
    <VizRepeater
      getValues={() => values}
      getAlignmentFactors={getDisplayValueAlignmentFactors}
      renderValue={renderValue}
      width={width}
      height={height}
      source={frames}
      itemSpacing={3}
      renderCounter={0}
      autoGrid={true}
      orientation={options.orientation}
    />
  );
}

/** Grafana's annotation marks: lines 2 px wide, dashed 5/5; regions shaded at 10 %; markers 5 px high. */
const MARK_LINE_WIDTH = 2;
const MARK_DASH = [5, 5];
const REGION_FILL_ALPHA = 0.1;
const MARKER_SIZE = 5;

/**
 * The panel's annotations drawn on its plot the way Grafana's time series panel does (its annotations plugin is
 * not in @grafana/ui): in uPlot's draw hook, a dashed vertical line in the annotation's colour at each event, at
 * both ends of a region with the region shaded between; below the plot area, a small triangle for an event and a
 * bar for a region (Grafana draws these as DOM markers on the x axis; here they are drawn on the canvas).
 */
export function AnnotationMarks({ config, events }: { config: UPlotConfigBuilder; events: PanelAnnotation[] }) {
  const eventsRef = useRef(events);
  useLayoutEffect(() => {
    eventsRef.current = events;
  }, [events]);
  useLayoutEffect(() => {
    config.addHook('draw', (u) => {
      const ctx = u.ctx;
      const { left, top, width, height } = u.bbox;
      const px = window.devicePixelRatio || 1;
      const line = (x: number, color: string) => {
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
        ctx.strokeStyle = color;
        ctx.stroke();
      };
      const marks = eventsRef.current.map((e) => ({
        e,
        x0: u.valToPos(e.time, 'x', true),
        x1: e.isRegion ? u.valToPos(e.timeEnd!, 'x', true) : undefined,
      }));

      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, width, height);
      ctx.clip();
      ctx.lineWidth = MARK_LINE_WIDTH;
      ctx.setLineDash(MARK_DASH);
      for (const { e, x0, x1 } of marks) {
        line(x0, e.color);
        if (x1 !== undefined) {
          line(x1, e.color);
          ctx.fillStyle = colorManipulator.alpha(e.color, REGION_FILL_ALPHA);
          ctx.fillRect(x0, top, x1 - x0, height);
        }
      }
      ctx.restore();

      ctx.save();
      const y = top + height;
      const size = MARKER_SIZE * px;
      for (const { e, x0, x1 } of marks) {
        ctx.fillStyle = e.color;
        if (x1 !== undefined) {
          const from = Math.max(left, x0);
          const to = Math.min(left + width, x1);
          if (to > from) {
            ctx.fillRect(from, y, to - from, size);
          }
        } else if (x0 >= left && x0 <= left + width) {
          ctx.beginPath();
          ctx.moveTo(x0 - size, y + size);
          ctx.lineTo(x0 + size, y + size);
          ctx.lineTo(x0, y);
          ctx.closePath();
          ctx.fill();
        }
      }
      ctx.restore();
    });
  }, [config]);
  return null;
}

/**
 * The time series panel: the frames it can draw (the table is left out), the legend and tooltip as the dashboard
 * sets them, and the annotations the panel receives.
 */
export function TimeSeriesPanel({
  panel,
  frames,
  width,
  height,
  timeRange,
  annotations,
}: PanelViewProps & { timeRange: TimeRange; annotations: PanelAnnotation[] }) {
  const graphable = useMemo(() => graphableFrames(frames), [frames]);
  const options = panel.options as {
    legend: VizLegendOptions;
    tooltip?: { mode: TooltipDisplayMode; sort: string };
  };
  return (
    <TimeSeries
      frames={graphable}
      width={width}
      height={height}
      timeRange={timeRange}
      timeZone="utc"
      legend={options.legend}
      options={{ tooltip: options.tooltip ?? { mode: TooltipDisplayMode.Single, sort: 'none' } }}
    >
      {(config) => <AnnotationMarks config={config} events={annotations} />}
    </TimeSeries>
  );
}
