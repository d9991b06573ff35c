/**
 * The golden verdict and alert answers as Grafana shows them: a table panel of the verdicts and the alert rule
 * editor's preview of the instances, in @grafana/ui's TableNG (the table Grafana's table panel draws with).
 * Photographed by the docs screenshot harness (scripts/screenshots); apart from goldenPanels.tsx because
 * TableNG's data grid ships as an ES module jest does not transform. Not part of the plugin bundle.
 */
import React, { useMemo } from 'react';
import { DataFrame, FieldConfigSource, FieldType } from '@grafana/data';
import { TableCellBackgroundDisplayMode, TableCellDisplayMode, TableCellHeight } from '@grafana/schema';
import { PanelChrome, useTheme2 } from '@grafana/ui';
import { TableNG } from '@grafana/ui/unstable';

import { PanelProps, responseFrames, shapeMapping, withFieldConfig } from './goldenPanels';

const hidden = (...names: string[]) =>
  names.map((name) => ({
    matcher: { id: 'byName', options: name },
    properties: [{ id: 'custom.hideFrom', value: { viz: true, legend: false, tooltip: false } }],
  }));

const widths = (byName: Record<string, number>) =>
  Object.entries(byName).map(([name, width]) => ({
    matcher: { id: 'byName', options: name },
    properties: [{ id: 'custom.width', value: width }],
  }));

/**
 * The verdict table's field config as a dashboard would set it: the shape cell coloured by a value mapping,
 * the explanation wrapped, the columns that repeat the series name or only sort the rows hidden.
 */
export const VERDICT_TABLE_FIELD_CONFIG: FieldConfigSource = {
  defaults: { custom: { align: 'auto', cellOptions: { type: TableCellDisplayMode.Auto } } },
  overrides: [
    {
      matcher: { id: 'byName', options: 'shape' },
      properties: [
        { id: 'mappings', value: [shapeMapping] },
        {
          id: 'custom.cellOptions',
          value: { type: TableCellDisplayMode.ColorBackground, mode: TableCellBackgroundDisplayMode.Basic },
        },
        { id: 'custom.width', value: 130 },
      ],
    },
    {
      matcher: { id: 'byName', options: 'explanation' },
      properties: [{ id: 'custom.wrapText', value: true }],
    },
    ...widths({
      series: 120,
      confidence: 110,
      growth_bytes_per_hour: 140,
      time_to_limit_seconds: 120,
      limit_bytes: 80,
      restarts: 80,
      jumps: 70,
    }),
    ...hidden('metric', 'namespace', 'pod', 'label_shape', 'severity', 'analysed_from', 'analysed_to'),
  ],
};

/** The alert rule preview's table: labels as pills, the shape label coloured like the verdict table. */
export const ALERT_TABLE_FIELD_CONFIG: FieldConfigSource = {
  defaults: { custom: { align: 'auto', cellOptions: { type: TableCellDisplayMode.Auto } } },
  overrides: [
    {
      matcher: { id: 'byName', options: 'memshape_shape' },
      properties: [
        { id: 'mappings', value: [shapeMapping] },
        { id: 'custom.cellOptions', value: { type: TableCellDisplayMode.Pill } },
      ],
    },
  ],
};

/** The verdict table on a dashboard: a table panel of the `verdicts` frame, rows in the order they arrive. */
export function VerdictTablePanel({ body, title, width, height }: PanelProps) {
  const theme = useTheme2();
  const table = useMemo(() => {
    const frames = withFieldConfig(responseFrames(body), VERDICT_TABLE_FIELD_CONFIG, theme);
    const verdicts = frames.find((f) => f.name === 'verdicts');
    if (!verdicts) {
      throw new Error('the answer has no frame named verdicts');
    }
    return verdicts;
  }, [body, theme]);
  return (
    <TablePanel title={title} width={width} height={height} table={table} fieldConfig={VERDICT_TABLE_FIELD_CONFIG} />
  );
}

/**
 * The alert output as one table: a row per alert instance (per frame of the answer), a column per label and the
 * value, the way Grafana's alert rule editor previews a query's instances.
 */
export function alertInstances(frames: DataFrame[]): DataFrame {
  const numbers = frames.map((frame) => {
    const field = frame.fields.find((f) => f.type === FieldType.number);
    if (!field || frame.fields.length !== 1) {
      throw new Error(`alert frame "${frame.name ?? ''}" is not one number field`);
    }
    return field;
  });
  if (numbers.length === 0) {
    throw new Error('no alert instances');
  }
  const keys = [...new Set(numbers.flatMap((f) => Object.keys(f.labels ?? {})))].sort();
  const value = numbers[0];
  return {
    name: 'instances',
    length: numbers.length,
    fields: [
      ...keys.map((key) => ({
        name: key,
        type: FieldType.string,
        config: {},
        values: numbers.map((f) => f.labels?.[key] ?? ''),
      })),
      {
        name: value.name,
        type: FieldType.number,
        config: value.config,
        values: numbers.map((f) => f.values[0] as number | null),
      },
    ],
  };
}

/** The alert rule editor's preview of the query: its instances, labels and value. */
export function AlertInstancesPreview({ body, title, width, height }: PanelProps) {
  const theme = useTheme2();
  const table = useMemo(
    () => withFieldConfig([alertInstances(responseFrames(body))], ALERT_TABLE_FIELD_CONFIG, theme)[0],
    [body, theme]
  );
  return (
    <TablePanel
      title={`${title} · ${table.length} instances`}
      width={width}
      height={height}
      table={table}
      fieldConfig={ALERT_TABLE_FIELD_CONFIG}
    />
  );
}

/** A table panel as Grafana draws one: TableNG in PanelChrome, small rows. */
function TablePanel({
  title,
  width,
  height,
  table,
  fieldConfig,
}: {
  title: string;
  width: number;
  height: number;
  table: DataFrame;
  fieldConfig: FieldConfigSource;
}) {
  return (
    <PanelChrome title={title} width={width} height={height}>
      {(innerWidth, innerHeight) => (
        <TableNG
          data={table}
          width={innerWidth}
          height={innerHeight}
          cellHeight={TableCellHeight.Sm}
          fieldConfig={fieldConfig}
        />
      )}
    </PanelChrome>
  );
}
