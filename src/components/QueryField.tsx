import React, { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { CodeEditor, Monaco, MonacoEditor, monacoTypes, useStyles2 } from '@grafana/ui';

import { Completion } from '../promql/completion';
import { codeCompletionProvider } from '../promql/provider';

/** A query language the field highlights and completes (each upstream names its own, see upstreams.ts). */
export interface QueryLanguage {
  /** Monaco's language id. */
  id: string;
  /** Registers the language (tokens, brackets) with Monaco; called before each editor mounts. */
  register: (monaco: Monaco) => void;
  /** The characters that open completion. */
  triggers: string[];
}

export interface QueryFieldProps {
  value: string;
  /** The upstream's query language (PromQL, Datadog's metrics queries): highlighting, and completion when `complete` is given. */
  language: QueryLanguage;
  /** What to offer for the text before the cursor (PromQL's `complete`, Datadog's `completeDatadog`). */
  complete?: (before: string) => Promise<Completion>;
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
 * A code field for a query, on @grafana/ui's CodeEditor (Monaco): PromQL or Datadog highlighting and completion,
 * runs on Shift+Enter and on blur, grows with its content.
 */
export function QueryField({
  value,
  language,
  complete,
  onChange,
  onRunQuery,
  ariaLabel,
  placeholder,
}: QueryFieldProps) {
  const styles = useStyles2(getStyles);
  const [lines, setLines] = useState(Math.max(1, Math.min(MAX_LINES, value.split('\n').length)));
  const [empty, setEmpty] = useState(value === '');
  // Monaco keeps the callbacks it was given at mount: read the latest props through refs.
  const latest = useRef({ onChange, onRunQuery, complete });
  useLayoutEffect(() => {
    latest.current = { onChange, onRunQuery, complete };
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

  const { id: languageId, register, triggers } = language;
  const onBeforeEditorMount = useCallback((monaco: Monaco) => register(monaco), [register]);
  const hasCompletion = !!complete;

  const onEditorDidMount = useCallback(
    (editor: MonacoEditor, monaco: Monaco) => {
      const model = editor.getModel();
      if (hasCompletion && model) {
        const isOwnModel = (m: monacoTypes.editor.ITextModel) => m.id === editor.getModel()?.id;
        const nothing: Completion = { suggestions: [], replaceLength: 0 };
        disposables.current.push(
          monaco.languages.registerCompletionItemProvider(
            languageId,
            codeCompletionProvider(
              monaco,
              (before) => latest.current.complete?.(before) ?? Promise.resolve(nothing),
              isOwnModel,
              triggers
            )
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
    [hasCompletion, languageId, triggers]
  );

  const onBlur = useCallback((text: string) => {
    latest.current.onChange(text);
    latest.current.onRunQuery();
  }, []);

  return (
    <div className={styles.wrapper} aria-label={ariaLabel} data-testid="memshape-query-field">
      <CodeEditor
        value={value}
        language={languageId}
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
          quickSuggestions: hasCompletion,
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
