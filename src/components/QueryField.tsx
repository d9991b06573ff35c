import React, { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { CodeEditor, Monaco, MonacoEditor, monacoTypes, useStyles2 } from '@grafana/ui';

import { CompletionData } from '../promql/completion';
import { PROMQL_LANGUAGE_ID, registerPromQL } from '../promql/language';
import { promqlCompletionProvider } from '../promql/provider';

export interface QueryFieldProps {
  value: string;
  /** PromQL (highlighting and completion) or plain text (Datadog). */
  language: 'promql' | 'plaintext';
  /** Where completion reads metric names, labels and values (PromQL only). */
  completion?: CompletionData;
  /** The edited text, on blur and before every run. */
  onChange: (value: string) => void;
  /** Shift+Enter and blur. */
  onRunQuery: () => void;
  /** Accessible name of the text area. */
  ariaLabel: string;
  /** Shown while the field is empty. */
  placeholder?: string;
}

const LINE_HEIGHT = 20;
const MAX_LINES = 12;

/**
 * A code field for the query, on @grafana/ui's CodeEditor (Monaco): PromQL highlighting and completion, runs on
 * Shift+Enter and on blur, grows with its content.
 */
export function QueryField({
  value,
  language,
  completion,
  onChange,
  onRunQuery,
  ariaLabel,
  placeholder,
}: QueryFieldProps) {
  const styles = useStyles2(getStyles);
  const [lines, setLines] = useState(Math.max(1, Math.min(MAX_LINES, value.split('\n').length)));
  const [empty, setEmpty] = useState(value === '');
  // Monaco keeps the callbacks it was given at mount: read the latest props through refs.
  const latest = useRef({ onChange, onRunQuery, completion });
  useLayoutEffect(() => {
    latest.current = { onChange, onRunQuery, completion };
  });
  const disposables = useRef<Array<{ dispose(): void }>>([]);

  // A value set from outside (an example, a loaded query) decides the placeholder too.
  const [seenValue, setSeenValue] = useState(value);
  if (value !== seenValue) {
    setSeenValue(value);
    setEmpty(value === '');
  }

  useEffect(
    () => () => {
      disposables.current.forEach((d) => d.dispose());
      disposables.current = [];
    },
    []
  );

  const onBeforeEditorMount = useCallback((monaco: Monaco) => registerPromQL(monaco), []);

  const onEditorDidMount = useCallback(
    (editor: MonacoEditor, monaco: Monaco) => {
      const model = editor.getModel();
      if (language === 'promql' && model) {
        const data: CompletionData = {
          metricNames: () => latest.current.completion?.metricNames() ?? Promise.resolve([]),
          metricHelp: () => latest.current.completion?.metricHelp() ?? Promise.resolve({}),
          labelNames: (match) => latest.current.completion?.labelNames(match) ?? Promise.resolve([]),
          labelValues: (label, match) => latest.current.completion?.labelValues(label, match) ?? Promise.resolve([]),
          variables: () => latest.current.completion?.variables?.() ?? [],
        };
        const isOwnModel = (m: monacoTypes.editor.ITextModel) => m.id === editor.getModel()?.id;
        disposables.current.push(
          monaco.languages.registerCompletionItemProvider(
            PROMQL_LANGUAGE_ID,
            promqlCompletionProvider(monaco, data, isOwnModel)
          )
        );
      }
      // An action is bound to this editor only (a command would follow the last editor created).
      disposables.current.push(
        editor.addAction({
          id: 'memshape.runQuery',
          label: 'Run query',
          keybindings: [monaco.KeyMod.Shift | monaco.KeyCode.Enter],
          run: () => {
            latest.current.onChange(editor.getValue());
            latest.current.onRunQuery();
          },
        })
      );
      disposables.current.push(
        editor.onDidChangeModelContent(() => {
          const text = editor.getValue();
          setEmpty(text === '');
          setLines(Math.max(1, Math.min(MAX_LINES, editor.getModel()?.getLineCount() ?? 1)));
        })
      );
    },
    [language]
  );

  const onBlur = useCallback((text: string) => {
    latest.current.onChange(text);
    latest.current.onRunQuery();
  }, []);

  return (
    <div className={styles.wrapper} aria-label={ariaLabel} data-testid="memshape-query-field">
      <CodeEditor
        value={value}
        language={language === 'promql' ? PROMQL_LANGUAGE_ID : 'plaintext'}
        height={lines * LINE_HEIGHT + 8}
        showLineNumbers={false}
        showMiniMap={false}
        onBeforeEditorMount={onBeforeEditorMount}
        onEditorDidMount={onEditorDidMount}
        onBlur={onBlur}
        monacoOptions={{
          fontSize: 14,
          lineHeight: LINE_HEIGHT,
          wordWrap: 'on',
          lineNumbers: 'off',
          folding: false,
          glyphMargin: false,
          renderLineHighlight: 'none',
          scrollBeyondLastLine: false,
          overviewRulerLanes: 0,
          overviewRulerBorder: false,
          hideCursorInOverviewRuler: true,
          scrollbar: { vertical: 'auto', horizontal: 'hidden', alwaysConsumeMouseWheel: false },
          suggest: { showWords: false },
          quickSuggestions: language === 'promql',
          padding: { top: 4, bottom: 4 },
          ariaLabel,
        }}
      />
      {empty && placeholder && (
        <div className={styles.placeholder} aria-hidden>
          {placeholder}
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({
    position: 'relative',
    width: '100%',
    minWidth: 0,
  }),
  placeholder: css({
    position: 'absolute',
    top: 5,
    left: theme.spacing(1.5),
    pointerEvents: 'none',
    color: theme.colors.text.disabled,
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: 14,
    lineHeight: `${LINE_HEIGHT}px`,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
  }),
});
