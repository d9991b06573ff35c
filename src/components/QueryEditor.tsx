import React, { ChangeEvent, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { CoreApp, GrafanaTheme2, QueryEditorProps, SelectableValue } from '@grafana/data';
import { QueryOptionGroup } from '@grafana/plugin-ui';
import { getTemplateSrv } from '@grafana/runtime';
import { Button, InlineField, InlineFieldRow, Input, RadioButtonGroup, Stack, Text, useStyles2 } from '@grafana/ui';

import { formatBytes, parseBytes } from '../bytes';
import type { MemshapeDataSourceApi } from '../dataSourceApi';
import {
  ALERT_VALUE_OPTIONS,
  ANNOTATE_OPTIONS,
  JUDGE_BY_OPTIONS,
  JudgeByMode,
  judgeByMode,
  labelListProblem,
  LEGEND_OPTIONS,
  LegendMode,
  legendMode,
  optionsSummary,
  OUTPUT_OPTIONS,
  parseLabelList,
  SENSITIVITY_OPTIONS,
  visibleOptions,
  WINDOW_OPTIONS,
} from '../options';
import {
  AdhocFilter,
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
import { upstreamSpec } from '../upstreams';
import { Example } from './examples';
import { QueryField } from './QueryField';

export type Props = QueryEditorProps<MemshapeDataSourceApi, MemshapeQuery, MemshapeOptions> & {
  /** The annotation editor: the output is always `annotations`. */
  annotationMode?: boolean;
};

const LABEL_WIDTH = 18;

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

/** A min step as Grafana writes intervals (30s, 1m, 1h30m) or a dashboard variable; empty: the panel's. */
const MIN_STEP_RE = /^(\d+(ms|s|m|h|d|w|y))+$|^\$\w+$|^\$\{\w+\}$/;

/** Why a min step text is not one, or undefined when it is one (or empty). */
export function minStepProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || MIN_STEP_RE.test(trimmed)) {
    return undefined;
  }
  return `"${trimmed}" is not a step: use e.g. 30s, 1m or 5m, or leave it empty for the panel's interval.`;
}

export function QueryEditor({ query, onChange, onRunQuery, datasource, range, app, annotationMode }: Props) {
  const styles = useStyles2(getStyles);
  // Everything that differs between upstreams comes from their table.
  const spec = upstreamSpec(datasource?.upstream);
  const refId = query.refId;
  const alerting = app === CoreApp.UnifiedAlerting;
  const ctx = { alerting, annotation: annotationMode, withoutMinStep: !spec.query.minStep };
  const show = visibleOptions(query, ctx);

  const [limit, setLimit] = useState(limitText(query.limitBytes));
  const [limitError, setLimitError] = useState<string | undefined>();
  const [legend, setLegend] = useState<LegendMode>(legendMode(query.legendFormat));
  const [customLegend, setCustomLegend] = useState(
    legendMode(query.legendFormat) === 'custom' ? query.legendFormat! : ''
  );
  const [minStep, setMinStep] = useState(query.interval ?? '');
  const [minStepError, setMinStepError] = useState<string | undefined>();
  const [judgeBy, setJudgeBy] = useState<JudgeByMode>(judgeByMode(query.groupBy));
  const [groupLabels, setGroupLabels] = useState(Array.isArray(query.groupBy) ? query.groupBy.join(', ') : '');
  const [groupError, setGroupError] = useState<string | undefined>();

  // Follow outside changes of the limit (e.g. a query loaded from a dashboard), keeping what the user typed
  // when it already means the same number of bytes.
  const [seenLimitBytes, setSeenLimitBytes] = useState(query.limitBytes);
  if (query.limitBytes !== seenLimitBytes) {
    setSeenLimitBytes(query.limitBytes);
    if (parseBytes(limit) !== (query.limitBytes || undefined)) {
      setLimit(limitText(query.limitBytes));
    }
  }

  // Completion answers are kept per data source and time range; the same completion serves the limit query.
  const complete = useMemo(() => {
    if (!datasource?.resources) {
      return undefined;
    }
    // Outside Grafana (e.g. a preview) there is no template service: no variables then.
    const variables = () =>
      getTemplateSrv()
        ?.getVariables()
        .map((v) => v.name) ?? [];
    return spec.query.completion(datasource.resources, () => range, variables);
  }, [datasource, range, spec]);

  /** Runs the query, unless a text option is not valid: then the query waits and the field says why. */
  const run = (blocked = !!limitError || !!minStepError || !!groupError) => {
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
      run(!!minStepError || !!groupError);
    } else if (limitError) {
      // The limit is a size again: run what waited.
      run(!!minStepError || !!groupError);
    }
  };

  const onMinStepBlur = () => {
    const problem = minStepProblem(minStep);
    setMinStepError(problem);
    if (problem) {
      return;
    }
    const text = minStep.trim();
    if (text !== (query.interval ?? '')) {
      const { interval: _dropped, ...rest } = query;
      onChange(text ? { ...rest, interval: text } : rest);
      run(!!limitError || !!groupError);
    } else if (minStepError) {
      run(!!limitError || !!groupError);
    }
  };

  const setGroupBy = (groupBy: MemshapeQuery['groupBy']) => {
    const { groupBy: _dropped, ...rest } = query;
    onChange(groupBy === undefined ? rest : { ...rest, groupBy });
    run(!!limitError || !!minStepError);
  };

  const onJudgeBy = (mode: JudgeByMode) => {
    setJudgeBy(mode);
    if (mode !== 'labels') {
      setGroupError(undefined);
      setGroupBy(mode === 'auto' ? undefined : mode);
    } else if (groupLabels.trim() && !labelListProblem(groupLabels)) {
      setGroupBy(parseLabelList(groupLabels));
    }
    // Labels without names yet: the query keeps its grouping until they are typed.
  };

  const onGroupLabelsBlur = () => {
    const problem = labelListProblem(groupLabels);
    setGroupError(problem);
    if (problem) {
      return;
    }
    const names = parseLabelList(groupLabels);
    const current = Array.isArray(query.groupBy) ? query.groupBy : [];
    if (names.join(',') !== current.join(',')) {
      setGroupBy(names);
    } else if (groupError) {
      run(!!limitError || !!minStepError);
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
    change({
      expr: example.expr,
      ...(example.legendFormat && show.legend ? { legendFormat: example.legendFormat } : {}),
    });
    if (example.legendFormat && show.legend) {
      setLegend('custom');
      setCustomLegend(example.legendFormat);
    }
  };

  const removeFilter = (filter: AdhocFilter) => {
    const rest = (query.adhocFilters ?? []).filter((f) => f !== filter);
    const { adhocFilters: _dropped, ...withoutFilters } = query;
    onChange(rest.length ? { ...withoutFilters, adhocFilters: rest } : withoutFilters);
    run();
  };

  const output = annotationMode ? 'annotations' : (query.output ?? 'all');
  const { language, examples, limitQuery } = spec.query;
  const summary = optionsSummary(query, ctx).map((part) =>
    part.startsWith('Limit:') && limitError ? `Limit: "${limit.trim()}" is not a size`.replace(/ /g, '\u00a0') : part
  );

  return (
    <Stack direction="column" gap={0.5}>
      <InlineField label="Query" labelWidth={LABEL_WIDTH} tooltip={spec.query.tooltip} grow>
        <QueryField
          value={query.expr ?? ''}
          language={language}
          complete={complete}
          ariaLabel="Query"
          placeholder={spec.query.placeholder}
          onChange={(expr) => {
            if (expr !== query.expr) {
              onChange({ ...query, expr });
            }
          }}
          onRunQuery={() => run()}
        />
      </InlineField>

      {!!query.adhocFilters?.length && (
        <div className={styles.examples}>
          <Text color="secondary" variant="bodySmall">
            Filters from the dashboard:
          </Text>
          {query.adhocFilters.map((f) => (
            <Button
              key={`${f.key}${f.operator}${f.value}${(f.values ?? []).join('|')}`}
              size="sm"
              variant="secondary"
              fill="outline"
              icon="times"
              tooltip="Added to every selector of the query and of its limit query. Click to remove."
              onClick={() => removeFilter(f)}
            >
              {`${f.key} ${f.operator} ${f.values?.length ? f.values.join(', ') : f.value}`}
            </Button>
          ))}
        </div>
      )}

      <ExampleButtons title="Examples:" examples={examples} className={styles.examples} onPick={onExample} />

      <QueryOptionGroup title="Options" collapsedInfo={summary}>
        <div className={styles.options}>
          {show.legend && (
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
          )}

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
          </InlineFieldRow>
          {limitQuery && (
            <>
              <InlineField
                label="Limit query"
                labelWidth={LABEL_WIDTH}
                tooltip="A query whose series give each series' memory limit, matched by the labels they share. Shift+Enter runs it; so does leaving the field."
                grow
              >
                <QueryField
                  value={query.limitExpr ?? ''}
                  language={language}
                  complete={complete}
                  ariaLabel="Limit query"
                  placeholder={limitQuery.placeholder}
                  onChange={(text) => {
                    const next = text.trim();
                    if (next !== (query.limitExpr ?? '')) {
                      const { limitExpr: _dropped, ...rest } = query;
                      onChange(next ? { ...rest, limitExpr: next } : rest);
                    }
                  }}
                  onRunQuery={() => run()}
                />
              </InlineField>
              <ExampleButtons
                title="Limit examples:"
                examples={limitQuery.examples}
                className={styles.examples}
                onPick={(example) => change({ limitExpr: example.expr })}
              />
            </>
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

          <InlineFieldRow>
            <RadioField<JudgeByMode>
              label="Judge by"
              labelWidth={LABEL_WIDTH}
              tooltip="Which series are judged together. Auto: a workload's pods, containers and restarts as one history when the labels name them (pod, container; Datadog's pod_name, kube_*), so a rollout or a restart does not hide a leak; otherwise each series alone."
              options={JUDGE_BY_OPTIONS}
              value={judgeBy}
              onChange={onJudgeBy}
            />
            {judgeBy === 'labels' && (
              <InlineField
                htmlFor={`memshape-group-labels-${refId}`}
                label="Labels"
                tooltip="Label names joined by commas, e.g. namespace, service: the series that share their values are judged together."
                invalid={!!groupError}
                error={groupError}
              >
                <Input
                  id={`memshape-group-labels-${refId}`}
                  width={28}
                  placeholder="namespace, service"
                  value={groupLabels}
                  onChange={(event: ChangeEvent<HTMLInputElement>) => setGroupLabels(event.currentTarget.value)}
                  onBlur={onGroupLabelsBlur}
                />
              </InlineField>
            )}
          </InlineFieldRow>

          {show.output && (
            <InlineFieldRow>
              <RadioField<OutputMode>
                label="Output"
                labelWidth={LABEL_WIDTH}
                tooltip="Which frames the query returns."
                options={OUTPUT_OPTIONS}
                value={output}
                onChange={(next) => change({ output: next })}
              />
            </InlineFieldRow>
          )}
          {show.annotate && (
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
          {show.alertValue && (
            <InlineFieldRow>
              <RadioField<AlertValue>
                label="Alert value"
                labelWidth={LABEL_WIDTH}
                tooltip={
                  alerting
                    ? "The number each series gives this alert rule. Its labels carry the series' labels and memshape_shape."
                    : "The number each series gives an alert rule. Its labels carry the series' labels and memshape_shape."
                }
                options={ALERT_VALUE_OPTIONS}
                value={query.alertValue ?? 'leak_confidence'}
                onChange={(alertValue) => change({ alertValue })}
              />
            </InlineFieldRow>
          )}
          {show.minStep && (
            <InlineFieldRow>
              <InlineField
                label="Min step"
                labelWidth={LABEL_WIDTH}
                htmlFor={`memshape-min-step-${refId}`}
                tooltip="The least step of the series drawn, e.g. 1m (the panel's interval when larger). The verdict's analysis step never depends on it."
                invalid={!!minStepError}
                error={minStepError}
              >
                <Input
                  id={`memshape-min-step-${refId}`}
                  width={16}
                  placeholder="auto"
                  value={minStep}
                  onChange={(event: ChangeEvent<HTMLInputElement>) => setMinStep(event.currentTarget.value)}
                  onBlur={onMinStepBlur}
                />
              </InlineField>
            </InlineFieldRow>
          )}
        </div>
      </QueryOptionGroup>
    </Stack>
  );
}

/** A row of clickable examples, each named by its label, its query in the tooltip. */
function ExampleButtons(props: {
  title: string;
  examples: Example[];
  className: string;
  onPick: (example: Example) => void;
}) {
  return (
    <div className={props.className}>
      <Text color="secondary" variant="bodySmall">
        {props.title}
      </Text>
      {props.examples.map((example) => (
        <Button
          key={example.label}
          size="sm"
          variant="secondary"
          fill="text"
          tooltip={`${example.description}: ${example.expr}`}
          onClick={() => props.onPick(example)}
        >
          {example.label}
        </Button>
      ))}
    </div>
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
  options: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    width: '100%',
  }),
  examples: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    paddingLeft: theme.spacing(LABEL_WIDTH + 0.5),
    marginBottom: theme.spacing(0.5),
  }),
});
