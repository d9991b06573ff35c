/**
 * A whole provisioned dashboard as Grafana lays it out, filled with the plugin's real answers to its queries
 * (src/testing/dashboard.ts): the controls row (variables, dashboard links, time range and refresh pickers, all
 * @grafana/ui components), then every panel at its gridPos on Grafana's 24-column grid — stat panels
 * (dashboardPanels.tsx), the time series panel with its annotations, and the table panel in @grafana/ui's TableNG
 * with the dashboard's sort and field overrides. The docs screenshot harness photographs it
 * (docs/img/demo-dashboard.png). Apart from dashboardPanels.tsx because TableNG's data grid ships as an ES module
 * jest does not transform. Not part of the plugin bundle.
 */
import { css } from '@emotion/css';
import React from 'react';
import { DataFrame, GrafanaTheme2, TimeRange } from '@grafana/data';
import { TableCellHeight } from '@grafana/schema';
import { Combobox, Icon, InlineField, RefreshPicker, TimeRangePicker, ToolbarButton, useStyles2 } from '@grafana/ui';
import { TableNG } from '@grafana/ui/unstable';

import {
  DashboardAnswers,
  DashboardModel,
  DashboardPanel,
  dashboardTimeRange,
  gridBox,
  gridHeight,
  PanelAnnotation,
  panelAnnotations,
  panelFieldConfig,
  panelFrames,
} from './dashboard';
import { PanelFrame, PanelViewProps, StatPanel, TimeSeriesPanel } from './dashboardPanels';

/** Everything the dashboard draws, worked out before it draws (the transformations are asynchronous). */
export interface DashboardView {
  dashboard: DashboardModel;
  timeRange: TimeRange;
  panels: Array<{ panel: DashboardPanel; frames: DataFrame[]; annotations: PanelAnnotation[] }>;
}

export async function loadDashboardView(
  dashboard: DashboardModel,
  answers: DashboardAnswers,
  theme: GrafanaTheme2
): Promise<DashboardView> {
  const panels = await Promise.all(
    dashboard.panels.map(async (panel) => ({
      panel,
      frames: await panelFrames(dashboard, panel, answers, theme),
      annotations: panelAnnotations(dashboard, panel.id, answers, theme),
    }))
  );
  return { dashboard, timeRange: dashboardTimeRange(dashboard, answers), panels };
}

/** The table panel: its one frame in TableNG, sorted and sized as the dashboard says. */
function TablePanel({ panel, frames, width, height }: PanelViewProps) {
  if (frames.length !== 1) {
    throw new Error(`table panel ${panel.id}: ${frames.length} frames; one is drawn here`);
  }
  const options = panel.options;
  return (
    <TableNG
      data={frames[0]}
      width={width}
      height={height}
      cellHeight={options.cellHeight ?? TableCellHeight.Sm}
      noHeader={options.showHeader === false}
      sortBy={options.sortBy}
      frozenColumns={options.frozenColumns?.left}
      enablePagination={options.enablePagination}
      fieldConfig={panelFieldConfig(panel)}
    />
  );
}

function PanelView({
  panel,
  frames,
  annotations,
  timeRange,
  width,
  height,
}: PanelViewProps & { annotations: PanelAnnotation[]; timeRange: TimeRange }) {
  return (
    <PanelFrame panel={panel} frames={frames} width={width} height={height}>
      {(w, h) => {
        switch (panel.type) {
          case 'stat':
            return <StatPanel panel={panel} frames={frames} width={w} height={h} />;
          case 'table':
            return <TablePanel panel={panel} frames={frames} width={w} height={h} />;
          case 'timeseries':
            return (
              <TimeSeriesPanel
                panel={panel}
                frames={frames}
                width={w}
                height={h}
                timeRange={timeRange}
                annotations={annotations}
              />
            );
          default:
            throw new Error(`panel ${panel.id}: the ${panel.type} panel is not drawn here`);
        }
      }}
    </PanelFrame>
  );
}

const noop = () => {};

/** The dashboard's title bar and controls row: variables and links on the left, time and refresh on the right. */
function DashboardControls({ dashboard, timeRange }: { dashboard: DashboardModel; timeRange: TimeRange }) {
  const styles = useStyles2(getStyles);
  const variables = dashboard.templating.list.filter((v) => !v.hide);
  const text = (v: (typeof variables)[number]) => {
    const t = v.current?.text;
    return Array.isArray(t) ? t.join(' + ') : (t ?? '');
  };
  return (
    <>
      <div className={styles.breadcrumbs}>
        <Icon name="apps" />
        <span className={styles.crumb}>Home</span>
        <Icon name="angle-right" />
        <span className={styles.crumb}>Dashboards</span>
        <Icon name="angle-right" />
        <span className={styles.title}>{dashboard.title}</span>
      </div>
      <div className={styles.controls}>
        {variables.map((v) => (
          <InlineField key={v.name} label={v.label ?? v.name}>
            <Combobox
              width="auto"
              minWidth={6}
              value={text(v)}
              options={[{ label: text(v), value: text(v) }]}
              onChange={noop}
            />
          </InlineField>
        ))}
        {(dashboard.links ?? [])
          .filter((l) => l.asDropdown)
          .map((l) => (
            <ToolbarButton key={l.title} icon="bars" isOpen={false}>
              {l.title}
            </ToolbarButton>
          ))}
        <div className={styles.spacer} />
        <TimeRangePicker
          value={timeRange}
          timeZone="utc"
          onChange={noop}
          onChangeTimeZone={noop}
          onMoveBackward={noop}
          onMoveForward={noop}
          onZoom={noop}
        />
        <RefreshPicker value={dashboard.refresh} onRefresh={noop} onIntervalChanged={noop} />
      </div>
    </>
  );
}

/** The dashboard at `width` pixels: controls, then the grid with every panel at its gridPos. */
export function DemoDashboard({ view, width }: { view: DashboardView; width: number }) {
  const styles = useStyles2(getStyles);
  const gridWidth = width - 2 * PADDING;
  return (
    <div className={styles.page} style={{ width }}>
      <DashboardControls dashboard={view.dashboard} timeRange={view.timeRange} />
      <div className={styles.grid} style={{ width: gridWidth, height: gridHeight(view.dashboard) }}>
        {view.panels.map(({ panel, frames, annotations }) => {
          const box = gridBox(panel.gridPos, gridWidth);
          return (
            <div
              key={panel.id}
              data-panel-id={panel.id}
              style={{ position: 'absolute', left: box.left, top: box.top, width: box.width, height: box.height }}
            >
              <PanelView
                panel={panel}
                frames={frames}
                annotations={annotations}
                timeRange={view.timeRange}
                width={box.width}
                height={box.height}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** The dashboard page's padding around the grid (Grafana's theme.spacing(2)). */
const PADDING = 16;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    background: theme.colors.background.canvas,
    padding: PADDING,
    paddingTop: 0,
  }),
  breadcrumbs: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    height: 48,
    margin: `0 -${PADDING}px ${theme.spacing(1)}`,
    padding: `0 ${PADDING}px`,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    background: theme.colors.background.primary,
    color: theme.colors.text.secondary,
  }),
  crumb: css({ color: theme.colors.text.secondary }),
  title: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  controls: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
    '& > div': { marginBottom: 0 },
  }),
  spacer: css({ flexGrow: 1 }),
  grid: css({ position: 'relative' }),
});
