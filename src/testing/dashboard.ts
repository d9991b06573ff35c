/**
 * A provisioned dashboard (provisioning/dashboards/*.json) filled with the plugin's real answers to its queries,
 * worked out the way Grafana does before its panels draw: each panel's frames from its own query or, for the
 * `-- Dashboard --` data source, from the panel it names; the panel's transformations (@grafana/data's
 * transformDataFrame and standard transformers); the panel plugin's field config defaults under the dashboard's
 * field config and overrides (applyFieldOverrides); the stat panel's reduction (getFieldDisplayValues); the
 * annotation events a panel receives (the query's frame mapped to events, filtered by panel, coloured by the
 * annotation's iconColor); and the 24-column grid.
 *
 * The answers come from the Go test internal/demo/dashboard_test.go (internal/demo/testdata/dashboard: one
 * /api/ds/query body per panel or annotation, and requests.json saying which is which). The screenshot harness
 * draws the dashboard from this (src/testing/DemoDashboard.tsx) and src/demoDashboard.test.tsx checks what its
 * panels show. Not part of the plugin bundle.
 */
import {
  AnnotationEvent,
  applyFieldOverrides,
  cacheFieldDisplayNames,
  DataFrame,
  DataTransformerConfig,
  dateTime,
  Field,
  FieldConfigSource,
  FieldDisplay,
  FieldType,
  getFieldDisplayName,
  getFieldDisplayValues,
  GrafanaTheme2,
  InterpolateFunction,
  ReduceDataOptions,
  standardTransformers,
  standardTransformersRegistry,
  TimeRange,
  transformDataFrame,
} from '@grafana/data';

import { fieldConfigRegistry, QueryDataBody, responseFrames, TIME_SERIES_FIELD_CONFIG } from './goldenPanels';

/** The data source that hands a panel another panel's answer. */
export const DASHBOARD_DATASOURCE = '-- Dashboard --';

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DashboardTarget {
  refId: string;
  /** -- Dashboard -- data source: the panel whose answer this panel shows. */
  panelId?: number;
  /** -- Dashboard -- data source: take the source panel's data after its transformations. */
  withTransforms?: boolean;
  [key: string]: unknown;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: { type?: string; uid?: string };
  targets?: DashboardTarget[];
  transformations?: DataTransformerConfig[];
  options: Record<string, any>;
  fieldConfig: FieldConfigSource;
}

export interface DashboardAnnotation {
  name: string;
  enable: boolean;
  hide?: boolean;
  builtIn?: number;
  iconColor: string;
  datasource?: { type?: string; uid?: string };
  filter?: { exclude?: boolean; ids: number[] };
}

export interface DashboardVariable {
  type: string;
  name: string;
  label?: string;
  hide?: number;
  current?: { text?: string | string[]; value?: string | string[] };
}

export interface DashboardModel {
  uid: string;
  title: string;
  time: { from: string; to: string };
  refresh?: string;
  panels: DashboardPanel[];
  annotations: { list: DashboardAnnotation[] };
  templating: { list: DashboardVariable[] };
  links?: Array<{ title: string; type: string; asDropdown?: boolean }>;
}

/** One /api/ds/query call of the dashboard, as internal/demo/testdata/dashboard/requests.json lists them. */
export interface DashboardRequest {
  file: string;
  panelId?: number;
  annotation?: string;
  from: number;
  to: number;
  intervalMs: number;
  maxDataPoints: number;
  queries: Array<Record<string, unknown>>;
}

/** The dashboard's answers: the requests and each request's body, by file name. */
export interface DashboardAnswers {
  requests: DashboardRequest[];
  bodies: Record<string, QueryDataBody>;
}

/** An annotation event as a time series panel draws it: Grafana gives each the colour of its annotation query. */
export interface PanelAnnotation extends AnnotationEvent {
  time: number;
  color: string;
  isRegion: boolean;
}

/** The dashboard's time range: the requests' absolute range, with the dashboard's relative one as raw. */
export function dashboardTimeRange(dashboard: DashboardModel, answers: DashboardAnswers): TimeRange {
  const [first] = answers.requests;
  if (!first) {
    throw new Error('the dashboard has no answered requests');
  }
  for (const r of answers.requests) {
    if (r.from !== first.from || r.to !== first.to) {
      throw new Error(`${r.file} covers another range than ${first.file}: every query of a dashboard shares its range`);
    }
  }
  return {
    from: dateTime(first.from).utc(),
    to: dateTime(first.to).utc(),
    raw: { from: dashboard.time.from, to: dashboard.time.to },
  };
}

export function panelById(dashboard: DashboardModel, id: number): DashboardPanel {
  const panel = dashboard.panels.find((p) => p.id === id);
  if (!panel) {
    throw new Error(`the dashboard has no panel ${id}`);
  }
  return panel;
}

/**
 * The frames a panel's queries return, before its transformations: its own answer, or — for the -- Dashboard --
 * data source — the answer of the panel it names (Grafana hands over the source panel's query result; its
 * transformations too only when the target says withTransforms).
 */
export function queryFrames(dashboard: DashboardModel, panel: DashboardPanel, answers: DashboardAnswers): DataFrame[] {
  if (panel.datasource?.uid === DASHBOARD_DATASOURCE) {
    return (panel.targets ?? []).flatMap((target) => {
      if (target.panelId === undefined) {
        throw new Error(`panel ${panel.id}: a -- Dashboard -- query without a panelId`);
      }
      if (target.withTransforms) {
        throw new Error(`panel ${panel.id}: withTransforms is not drawn here`);
      }
      return queryFrames(dashboard, panelById(dashboard, target.panelId), answers);
    });
  }
  const request = answers.requests.find((r) => r.panelId === panel.id);
  if (!request) {
    throw new Error(`panel ${panel.id} "${panel.title}" has no answer: run the Go test that writes them`);
  }
  const body = answers.bodies[request.file];
  if (!body) {
    throw new Error(`${request.file} is missing from the answers`);
  }
  return responseFrames(body);
}

let transformersRegistered = false;

/** Grafana registers its standard transformers at start-up; here they are registered on first use. */
function registerTransformers() {
  if (transformersRegistered) {
    return;
  }
  // Some transformers are exported under two names (seriesToColumns is joinByField): one entry per id.
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- outside Grafana, nothing else exports them
  const byId = new Map(Object.values(standardTransformers).map((info) => [info.id, info]));
  standardTransformersRegistry.setInit(() =>
    [...byId.values()].map((info) => ({
      id: info.id,
      name: info.name,
      description: info.description,
      transformation: () => Promise.resolve(info),
      editor: () => null,
      imageDark: '',
      imageLight: '',
    }))
  );
  transformersRegistered = true;
}

/** The panel's transformations over frames, with @grafana/data's transformDataFrame. */
export function transform(panel: DashboardPanel, frames: DataFrame[]): Promise<DataFrame[]> {
  const transformations = panel.transformations ?? [];
  registerTransformers();
  for (const t of transformations) {
    if (!standardTransformersRegistry.getIfExists(t.id)) {
      throw new Error(`panel ${panel.id}: transformation "${t.id}" is not one of @grafana/data's standard ones`);
    }
  }
  return new Promise((resolve, reject) => {
    const subscription = transformDataFrame(transformations, frames).subscribe({
      next: (result) => {
        resolve(result);
        // The first result is the answer; a later one would be a stream, which these are not.
        setTimeout(() => subscription.unsubscribe());
      },
      error: reject,
    });
  });
}

/**
 * The field config the panel plugins register as defaults (Grafana fills these in under what the dashboard
 * saved): the time series panel's drawing defaults, the table's cell defaults; the stat panel has no custom ones.
 */
const PLUGIN_DEFAULTS: Record<string, FieldConfigSource['defaults']> = {
  timeseries: TIME_SERIES_FIELD_CONFIG.defaults,
  table: { custom: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false } },
  stat: {},
};

/**
 * What the table panel's migration handler does to field config saved by Grafana 11 (and still written by its
 * editor in 12.0): "Wrap text" moves from `custom.cellOptions.wrapText` to `custom.wrapText`, which is where the
 * table of Grafana 12.2+ (and @grafana/ui's TableNG) reads it.
 */
export function migrateTableWrapText(config: FieldConfigSource): FieldConfigSource {
  const split = (cellOptions: Record<string, unknown>) => {
    const { wrapText, ...rest } = cellOptions;
    return { wrapText: wrapText as boolean | undefined, cellOptions: rest };
  };
  const defaults = { ...config.defaults, custom: { ...config.defaults.custom } };
  if (defaults.custom.wrapText === undefined && defaults.custom.cellOptions?.wrapText !== undefined) {
    const { wrapText, cellOptions } = split(defaults.custom.cellOptions);
    defaults.custom.cellOptions = cellOptions;
    defaults.custom.wrapText = wrapText;
  }
  const overrides = config.overrides.map((override) => ({
    ...override,
    properties: override.properties.flatMap((property) => {
      if (property.id === 'custom.cellOptions' && property.value?.wrapText !== undefined) {
        const { wrapText, cellOptions } = split(property.value);
        return [
          { id: 'custom.cellOptions', value: cellOptions },
          { id: 'custom.wrapText', value: wrapText },
        ];
      }
      return [property];
    }),
  }));
  return { defaults, overrides };
}

/**
 * Grafana's table migration for a hidden column (12.x, with TableNG): an override's `custom.hidden` becomes
 * `custom.hideFrom.viz`, which the table of Grafana 12+ (and @grafana/ui's TableNG) reads. Dashboards keep
 * `custom.hidden`, which Grafana 11's table reads.
 */
export function migrateTableHidden(config: FieldConfigSource): FieldConfigSource {
  return {
    ...config,
    overrides: config.overrides.map((override) => ({
      ...override,
      properties: override.properties.map((property) =>
        property.id === 'custom.hidden' ? { ...property, id: 'custom.hideFrom.viz' } : property
      ),
    })),
  };
}

/** The panel's field config as Grafana applies it: the plugin's defaults under the dashboard's own. */
export function panelFieldConfig(panel: DashboardPanel): FieldConfigSource {
  const plugin = PLUGIN_DEFAULTS[panel.type];
  if (!plugin) {
    throw new Error(`panel ${panel.id}: the ${panel.type} panel is not drawn here`);
  }
  const saved = panel.fieldConfig ?? { defaults: {}, overrides: [] };
  const merged: FieldConfigSource = {
    defaults: { ...plugin, ...saved.defaults, custom: { ...plugin.custom, ...saved.defaults.custom } },
    overrides: saved.overrides ?? [],
  };
  return panel.type === 'table' ? migrateTableHidden(migrateTableWrapText(merged)) : merged;
}

/**
 * The frames a panel draws: its query frames, transformed, with its field config applied (display processors,
 * units, colours, overrides) and each field's display name worked out, in UTC. `replaceVariables` is what
 * interpolates the data links (Grafana's template service in a dashboard).
 */
export async function panelFrames(
  dashboard: DashboardModel,
  panel: DashboardPanel,
  answers: DashboardAnswers,
  theme: GrafanaTheme2,
  replaceVariables: InterpolateFunction = (value: string) => value
): Promise<DataFrame[]> {
  const transformed = await transform(panel, queryFrames(dashboard, panel, answers));
  const fieldConfig = panelFieldConfig(panel);
  const frames = applyFieldOverrides({
    data: transformed,
    fieldConfig,
    fieldConfigRegistry: fieldConfigRegistry(fieldConfig),
    replaceVariables,
    theme,
    timeZone: 'utc',
  });
  cacheFieldDisplayNames(frames);
  return frames;
}

/** What a stat panel shows: its reduction of its frames (Grafana's stat panel calls the same function). */
export function statValues(panel: DashboardPanel, frames: DataFrame[], theme: GrafanaTheme2): FieldDisplay[] {
  const options = panel.options as {
    reduceOptions: ReduceDataOptions;
    graphMode?: string;
    showPercentChange?: boolean;
  };
  return getFieldDisplayValues({
    fieldConfig: panelFieldConfig(panel),
    reduceOptions: options.reduceOptions,
    replaceVariables: (value: string) => value,
    theme,
    data: frames,
    sparkline: options.graphMode !== undefined && options.graphMode !== 'none',
    percentChange: options.showPercentChange,
    timeZone: 'utc',
  });
}

/**
 * Grafana's standard frame-to-event mapping for data-source annotations with no mappings set (Grafana's
 * public/app/features/annotations/standardAnnotationSupport.ts; no npm package exports it): one frame; fields
 * found by display name, case-insensitive — time (else the first time field), timeEnd, title, text (else the first
 * string field), tags split on ','; no events without a time and a text; null values left out.
 */
export function standardAnnotationEvents(frames: DataFrame[]): AnnotationEvent[] {
  if (frames.length !== 1) {
    throw new Error(`an annotation answer of ${frames.length} frames: Grafana would merge them first; ours is one`);
  }
  const [frame] = frames;
  const byName = new Map(frame.fields.map((f) => [getFieldDisplayName(f, frame).toLowerCase(), f]));
  const time = byName.get('time') ?? frame.fields.find((f) => f.type === FieldType.time);
  const text = byName.get('text') ?? frame.fields.find((f) => f.type === FieldType.string);
  if (!time || !text) {
    return [];
  }
  const fields: Array<[keyof AnnotationEvent, Field | undefined]> = [
    ['time', time],
    ['timeEnd', byName.get('timeend')],
    ['title', byName.get('title')],
    ['text', text],
    ['tags', byName.get('tags')],
  ];
  return Array.from({ length: frame.length }, (_, i) => {
    const event: AnnotationEvent = { type: 'default' };
    for (const [key, field] of fields) {
      const value = field?.values[i];
      if (value !== null && value !== undefined) {
        (event as Record<string, unknown>)[key] =
          key === 'tags' && typeof value === 'string' ? value.split(',') : value;
      }
    }
    return event;
  });
}

/**
 * The annotation events a panel receives: those of every enabled annotation query whose filter admits the panel,
 * each coloured by its query's iconColor, a region when it has an end after its start.
 */
export function panelAnnotations(
  dashboard: DashboardModel,
  panelId: number,
  answers: DashboardAnswers,
  theme: GrafanaTheme2
): PanelAnnotation[] {
  const events: PanelAnnotation[] = [];
  for (const annotation of dashboard.annotations.list) {
    const request = answers.requests.find((r) => r.annotation === annotation.name);
    if (!annotation.enable || !request) {
      // Grafana's built-in "Annotations & Alerts" reads Grafana's own database: nothing here.
      continue;
    }
    const { filter } = annotation;
    if (filter && filter.ids.includes(panelId) === Boolean(filter.exclude)) {
      continue;
    }
    const color = theme.visualization.getColorByName(annotation.iconColor);
    for (const event of standardAnnotationEvents(responseFrames(answers.bodies[request.file]))) {
      const time = event.time!;
      const isRegion = event.timeEnd !== undefined && event.timeEnd !== time;
      events.push({ ...event, time, color, isRegion, source: annotation });
    }
  }
  return events;
}

/** Grafana's dashboard grid: 24 columns, rows 30 px high, 8 px between panels. */
export const GRID_COLUMNS = 24;
export const GRID_CELL_HEIGHT = 30;
export const GRID_MARGIN = 8;

/** Where a panel sits on a grid `width` pixels wide, in pixels. */
export function gridBox(pos: GridPos, width: number) {
  const column = (width - GRID_MARGIN * (GRID_COLUMNS - 1)) / GRID_COLUMNS;
  return {
    left: Math.round(pos.x * (column + GRID_MARGIN)),
    top: pos.y * (GRID_CELL_HEIGHT + GRID_MARGIN),
    width: Math.round(pos.w * column + (pos.w - 1) * GRID_MARGIN),
    height: pos.h * GRID_CELL_HEIGHT + (pos.h - 1) * GRID_MARGIN,
  };
}

/** The grid's height in pixels: down to the lowest panel's bottom. */
export function gridHeight(dashboard: DashboardModel): number {
  const rows = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  return rows * (GRID_CELL_HEIGHT + GRID_MARGIN) - GRID_MARGIN;
}
