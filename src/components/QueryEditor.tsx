import React, { ChangeEvent, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { CoreApp, GrafanaTheme2, QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Button, InlineField, InlineFieldRow, Input, RadioButtonGroup, Stack, Text, useStyles2 } from '@grafana/ui';

import { formatBytes, parseBytes } from '../bytes';
import { DataSource } from '../datasource';
import { resourceCompletionData } from '../promql/provider';
import {
  AlertValue,
  AnalysisWindow,
  AnnotateMode,
  LEGEND_AUTO,
  LEGEND_VERBATIM,
  MemshapeOptions,
  MemshapeQuery,
  OutputMode,
  Sensitivity,
} from '../types';
import { DATADOG_EXAMPLES, Example, LIMIT_EXAMPLES, PROMETHEUS_EXAMPLES } from './examples';
import { QueryField } from './QueryField';

export type Props = QueryEditorProps<DataSource, MemshapeQuery, MemshapeOptions> & {
  /** The annotation editor: the output is always `annotations`. */
  annotationMode?: boolean;
};

const LABEL_WIDTH = 18;

const SENSITIVITY_OPTIONS: Array<{ label: string; value: Sensitivity; description: string }> = [
  { label: 'Low', value: 'low', description: 'Name a shape only when the evidence is strong (a leak needs 24 h)' },
  { label: 'Normal', value: 'normal', description: 'Balanced (default; a leak needs 12 h of steady growth)' },
  {
    label: 'High',
    value: 'high',
    description: 'Name a shape early (a leak needs 6 h), at the cost of more false alarms',
  },
];

const OUTPUT_OPTIONS: Array<{ label: string; value: OutputMode; description: string }> = [
  { label: 'All', value: 'all', description: 'Original series, overlays and the verdict table' },
  { label: 'Series', value: 'series', description: 'Original series and overlays only' },
  { label: 'Verdicts', value: 'verdicts', description: 'The verdict table only' },
  { label: 'Alert', value: 'alert', description: 'One number per series for alert rules (see Alert value)' },
  {
    label: 'Annotations',
    value: 'annotations',
    description: 'One event per jump, restart, leak onset and end of warm-up',
  },
];

const ALERT_VALUE_OPTIONS: Array<{ label: string; value: AlertValue; description: string }> = [
  { label: 'Leak confidence', value: 'leak_confidence', description: 'Confidence (0–1) that the series leaks' },
  {
    label: 'Any growth shape',
    value: 'growth_confidence',
    description: 'Confidence (0–1) of a leak, fragmentation or bloat',
  },
  { label: 'Growth bytes/h', value: 'growth_bytes_per_hour', description: 'Growth in bytes per hour' },
  {
    label: 'Hours to limit',
    value: 'hours_to_limit',
    description: 'Hours until the memory limit is reached; empty when there is no limit or no growth',
  },
];

const ANNOTATE_OPTIONS: Array<{ label: string; value: AnnotateMode; description: string }> = [
  { label: 'All series', value: 'all', description: 'The events of every series' },
  {
    label: 'Growing series',
    value: 'growing',
    description: 'Only the events of leaks, fragmentation and bloat (not the restarts of healthy services)',
  },
];

const WINDOW_OPTIONS: Array<{ label: string; value: AnalysisWindow }> = [
  { label: 'Auto', value: 'auto' },
  { label: '1d', value: '1d' },
  { label: '3d', value: '3d' },
  { label: '7d', value: '7d' },
  { label: '14d', value: '14d' },
  { label: '30d', value: '30d' },
];

type LegendMode = 'auto' | 'verbatim' | 'custom';

const LEGEND_OPTIONS: Array<{ label: string; value: LegendMode; description: string }> = [
  { label: 'Auto', value: 'auto', description: 'The labels that differ between the series, e.g. api-7' },
  { label: 'Verbatim', value: 'verbatim', description: 'metric{label="value", …}' },
  { label: 'Custom', value: 'custom', description: 'A template such as {{pod}}' },
];

function legendMode(legendFormat?: string): LegendMode {
  if (!legendFormat || legendFormat === LEGEND_AUTO) {
    return 'auto';
  }
  return legendFormat === LEGEND_VERBATIM ? 'verbatim' : 'custom';
}

const limitText = (bytes?: number) => (bytes ? formatBytes(bytes) : '');

export const LIMIT_HELP = 'Use e.g. 2GiB, 512MiB or 1.5e9 bytes, or leave it empty.';

/** Why a memory limit text is not a size, or undefined when it is one (or empty). */
export function limitProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || parseBytes(trimmed) !== undefined) {
    return undefined;
  }
  return `"${trimmed}" is not a size. ${LIMIT_HELP} The query does not run until this is fixed.`;
}

export function QueryEditor({ query, onChange, onRunQuery, datasource, range, app, annotationMode }: Props) {
  const styles = useStyles2(getStyles);
  const upstream = datasource?.upstream ?? 'prometheus';
  const prometheus = upstream === 'prometheus';
  const refId = query.refId;

  const [limit, setLimit] = useState(limitText(query.limitBytes));
  const [limitError, setLimitError] = useState<string | undefined>();
  const [legend, setLegend] = useState<LegendMode>(legendMode(query.legendFormat));
  const [customLegend, setCustomLegend] = useState(
    legendMode(query.legendFormat) === 'custom' ? query.legendFormat! : ''
  );
  const [limitExpr, setLimitExpr] = useState(query.limitExpr ?? '');

  // Follow outside changes of the limit (e.g. a query loaded from a dashboard), keeping what the user typed
  // when it already means the same number of bytes.
  const [seenLimitBytes, setSeenLimitBytes] = useState(query.limitBytes);
  if (query.limitBytes !== seenLimitBytes) {
    setSeenLimitBytes(query.limitBytes);
    if (parseBytes(limit) !== (query.limitBytes || undefined)) {
      setLimit(limitText(query.limitBytes));
    }
  }

  // Completion answers are kept per data source and time range.
  const completion = useMemo(
    () =>
      datasource?.resources
        ? resourceCompletionData(
            datasource.resources,
            () => range,
            // Outside Grafana (e.g. a preview) there is no template service: no variables then.
            () =>
              getTemplateSrv()
                ?.getVariables()
                .map((v) => v.name) ?? []
          )
        : undefined,
    [datasource, range]
  );

  /** Runs the query, unless the memory limit is not a size: then the query waits and the field says why. */
  const run = (blocked = !!limitError) => {
    if (!blocked) {
      onRunQuery();
    }
  };

  const change = (patch: Partial<MemshapeQuery>, thenRun = true) => {
    onChange({ ...query, ...patch });
    if (thenRun) {
      run();
    }
  };

  const onLimitBlur = () => {
    const problem = limitProblem(limit);
    setLimitError(problem);
    if (problem) {
      return;
    }
    const text = limit.trim();
    const bytes = text === '' ? undefined : parseBytes(text);
    if (bytes !== (query.limitBytes || undefined)) {
      onChange({ ...query, limitBytes: bytes });
      run(false);
    } else if (limitError) {
      // The limit is a size again: run what waited.
      run(false);
    }
  };

  const onLegendMode = (mode: LegendMode) => {
    setLegend(mode);
    if (mode === 'auto') {
      change({ legendFormat: LEGEND_AUTO });
    } else if (mode === 'verbatim') {
      change({ legendFormat: LEGEND_VERBATIM });
    } else if (customLegend) {
      change({ legendFormat: customLegend });
    }
  };

  const onExample = (example: Example) => {
    change({ expr: example.expr, ...(example.legendFormat ? { legendFormat: example.legendFormat } : {}) });
    if (example.legendFormat) {
      setLegend('custom');
      setCustomLegend(example.legendFormat);
    }
  };

  const output = annotationMode ? 'annotations' : (query.output ?? 'all');
  const alerting = app === CoreApp.UnifiedAlerting;
  const examples = prometheus ? PROMETHEUS_EXAMPLES : DATADOG_EXAMPLES;

  return (
    <Stack direction="column" gap={0.5}>
      <InlineField
        label="Query"
        labelWidth={LABEL_WIDTH}
        tooltip={
          prometheus
            ? 'PromQL returning memory in bytes. Shift+Enter runs it; so does leaving the field.'
            : 'Datadog metrics query returning memory in bytes. Shift+Enter runs it; so does leaving the field.'
        }
        grow
      >
        <QueryField
          value={query.expr ?? ''}
          language={prometheus ? 'promql' : 'plaintext'}
          completion={prometheus ? completion : undefined}
          ariaLabel="Query"
          placeholder={
            prometheus
              ? 'container_memory_working_set_bytes{namespace="prod", container!=""}'
              : 'avg:system.mem.used{*} by {host}'
          }
          onChange={(expr) => {
            if (expr !== query.expr) {
              onChange({ ...query, expr });
            }
          }}
          onRunQuery={() => run()}
        />
      </InlineField>

      <div className={styles.examples}>
        <Text color="secondary" variant="bodySmall">
          Examples:
        </Text>
        {examples.map((example) => (
          <Button
            key={example.label}
            size="sm"
            variant="secondary"
            fill="text"
            tooltip={`${example.description}: ${example.expr}`}
            onClick={() => onExample(example)}
          >
            {example.label}
          </Button>
        ))}
      </div>

      <InlineFieldRow>
        <RadioField<LegendMode>
          label="Legend"
          labelWidth={LABEL_WIDTH}
          tooltip="How each series is named."
          options={LEGEND_OPTIONS}
          value={legend}
          onChange={onLegendMode}
        />
        {legend === 'custom' && (
          <InlineField
            htmlFor={`memshape-legend-${refId}`}
            label="Template"
            tooltip="e.g. {{pod}} or {{namespace}}/{{pod}}"
          >
            <Input
              id={`memshape-legend-${refId}`}
              width={28}
              placeholder="{{pod}}"
              value={customLegend}
              onChange={(event: ChangeEvent<HTMLInputElement>) => setCustomLegend(event.currentTarget.value)}
              onBlur={() => {
                const template = customLegend.trim();
                const next = template === '' ? LEGEND_AUTO : template;
                if (next !== (query.legendFormat ?? '')) {
                  change({ legendFormat: next });
                }
              }}
            />
          </InlineField>
        )}
      </InlineFieldRow>

      <InlineFieldRow>
        <InlineField
          label="Memory limit"
          labelWidth={LABEL_WIDTH}
          htmlFor={`memshape-limit-${refId}`}
          tooltip="The memory limit of what you measure, e.g. 2GiB, 512MiB or 1.5e9 bytes: gives the time to the limit. A limit query below overrides it where it matches."
          invalid={!!limitError}
          error={limitError}
        >
          <Input
            id={`memshape-limit-${refId}`}
            width={16}
            placeholder="unknown"
            value={limit}
            onChange={(event: ChangeEvent<HTMLInputElement>) => setLimit(event.currentTarget.value)}
            onBlur={onLimitBlur}
          />
        </InlineField>
        <InlineField
          label="Limit query"
          htmlFor={`memshape-limit-expr-${refId}`}
          tooltip="A query whose series give each series' memory limit, matched by the labels they share."
          grow
        >
          <Input
            id={`memshape-limit-expr-${refId}`}
            placeholder={prometheus ? 'kube_pod_container_resource_limits{resource="memory"}' : 'optional'}
            value={limitExpr}
            onChange={(event: ChangeEvent<HTMLInputElement>) => setLimitExpr(event.currentTarget.value)}
            onBlur={() => {
              const text = limitExpr.trim();
              if (text !== (query.limitExpr ?? '')) {
                change({ limitExpr: text === '' ? undefined : text });
              }
            }}
          />
        </InlineField>
      </InlineFieldRow>
      {prometheus && (
        <div className={styles.examples}>
          <Text color="secondary" variant="bodySmall">
            Limit examples:
          </Text>
          {LIMIT_EXAMPLES.map((example) => (
            <Button
              key={example.label}
              size="sm"
              variant="secondary"
              fill="text"
              tooltip={`${example.description}: ${example.expr}`}
              onClick={() => {
                setLimitExpr(example.expr);
                change({ limitExpr: example.expr });
              }}
            >
              {example.label}
            </Button>
          ))}
        </div>
      )}

      <InlineFieldRow>
        <RadioField<Sensitivity>
          label="Sensitivity"
          labelWidth={LABEL_WIDTH}
          tooltip="How eagerly a shape other than healthy is named."
          options={SENSITIVITY_OPTIONS}
          value={query.sensitivity ?? 'normal'}
          onChange={(sensitivity) => change({ sensitivity })}
        />
        <RadioField<AnalysisWindow>
          label="Analysis window"
          tooltip="The verdict looks back this far, whatever the panel shows, so a 1-hour panel and a 10-minute alert rule get the verdict of the whole window. Auto: the data source's default (7 days unless configured)."
          options={WINDOW_OPTIONS}
          value={query.analysisWindow ?? 'auto'}
          onChange={(analysisWindow) => change({ analysisWindow })}
        />
      </InlineFieldRow>

      {!annotationMode && (
        <InlineFieldRow>
          <RadioField<OutputMode>
            label="Output"
            labelWidth={LABEL_WIDTH}
            tooltip={
              alerting
                ? 'Alert rules always get one number per series, whatever is chosen here.'
                : 'Which frames the query returns.'
            }
            options={OUTPUT_OPTIONS}
            value={output}
            onChange={(next) => change({ output: next })}
          />
        </InlineFieldRow>
      )}
      {output === 'annotations' && (
        <InlineFieldRow>
          <RadioField<AnnotateMode>
            label="Events of"
            labelWidth={LABEL_WIDTH}
            tooltip="Jumps, restarts, leak onsets and warm-ups of every series, or only of the series whose shape is growth."
            options={ANNOTATE_OPTIONS}
            value={query.annotate ?? 'all'}
            onChange={(annotate) => change({ annotate })}
          />
        </InlineFieldRow>
      )}
      {!annotationMode && (output === 'alert' || alerting) && (
        <InlineFieldRow>
          <RadioField<AlertValue>
            label="Alert value"
            labelWidth={LABEL_WIDTH}
            tooltip="The number each series gives the alert rule. Its labels carry the series' labels and memshape_shape."
            options={ALERT_VALUE_OPTIONS}
            value={query.alertValue ?? 'leak_confidence'}
            onChange={(alertValue) => change({ alertValue })}
          />
        </InlineFieldRow>
      )}
    </Stack>
  );
}

/** A labelled radio group whose label is also its accessible name. */
function RadioField<T>(props: {
  label: string;
  labelWidth?: number;
  tooltip: string;
  options: Array<SelectableValue<T>>;
  value: T;
  onChange: (value: T) => void;
}) {
  const { label, labelWidth, tooltip, ...group } = props;
  return (
    <InlineField label={label} labelWidth={labelWidth} tooltip={tooltip}>
      <RadioButtonGroup<T> aria-label={label} {...group} />
    </InlineField>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  examples: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    paddingLeft: theme.spacing(LABEL_WIDTH + 0.5),
    marginBottom: theme.spacing(0.5),
  }),
});
