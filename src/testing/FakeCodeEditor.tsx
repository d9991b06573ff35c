import React, { useEffect, useLayoutEffect, useRef } from 'react';
import type { CodeEditor, monacoTypes } from '@grafana/ui';

type Props = React.ComponentProps<typeof CodeEditor>;
type Provider = monacoTypes.languages.CompletionItemProvider;

/** What the fake Monaco recorded: languages, tokenizers and completion providers. */
export const fakeMonacoState = {
  languages: [] as Array<{ id: string }>,
  tokenizers: new Map<string, unknown>(),
  providers: [] as Array<{ language: string; provider: Provider; disposed: boolean }>,
  /** The model id of every editor mounted, in order. */
  modelIds: [] as string[],
  reset() {
    this.modelIds = [];
    this.languages = [];
    this.tokenizers.clear();
    this.providers = [];
  },
};

/** A text model over a string, with Monaco's 1-based line/column positions. */
export function fakeModel(text: string, id = 'model-1'): monacoTypes.editor.ITextModel {
  const lines = () => text.split('\n');
  return {
    id,
    getValue: () => text,
    getLineCount: () => lines().length,
    getOffsetAt: ({ lineNumber, column }: monacoTypes.IPosition) =>
      lines()
        .slice(0, lineNumber - 1)
        .reduce((sum, line) => sum + line.length + 1, 0) +
      column -
      1,
    getPositionAt: (offset: number) => {
      const before = text.slice(0, offset).split('\n');
      return { lineNumber: before.length, column: before[before.length - 1].length + 1 };
    },
  } as unknown as monacoTypes.editor.ITextModel;
}

let modelCount = 0;

/**
 * Stands in for @grafana/ui's CodeEditor (Monaco does not run in jsdom): a textarea with the same callbacks. It
 * hands a small Monaco to onBeforeEditorMount and onEditorDidMount that records the language, its tokenizer and
 * completion providers (tests call the providers directly), and runs editor actions on their key bindings.
 */
export function FakeCodeEditor(props: Props) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const actions = useRef<Array<{ keybindings?: number[]; run: () => void }>>([]);
  const listeners = useRef<Array<() => void>>([]);
  const modelId = useRef(`model-${++modelCount}`);
  const propsRef = useRef(props);
  useLayoutEffect(() => {
    propsRef.current = props;
  });

  useEffect(() => {
    const monaco = {
      KeyMod: { Shift: 1024, CtrlCmd: 2048 },
      KeyCode: { Enter: 3 },
      languages: {
        CompletionItemKind: {
          Constructor: 'Constructor',
          Function: 'Function',
          Keyword: 'Keyword',
          Enum: 'Enum',
          EnumMember: 'EnumMember',
          Unit: 'Unit',
          Variable: 'Variable',
        },
        getLanguages: () => fakeMonacoState.languages,
        register: (language: { id: string }) => fakeMonacoState.languages.push(language),
        setMonarchTokensProvider: (id: string, tokenizer: unknown) => fakeMonacoState.tokenizers.set(id, tokenizer),
        setLanguageConfiguration: () => {},
        registerCompletionItemProvider: (language: string, provider: Provider) => {
          const entry = { language, provider, disposed: false };
          fakeMonacoState.providers.push(entry);
          return { dispose: () => (entry.disposed = true) };
        },
      },
    };
    const getValue = () => textarea.current?.value ?? '';
    const editor = {
      getValue,
      getModel: () => fakeModel(getValue(), modelId.current),
      addAction: (action: { keybindings?: number[]; run: () => void }) => {
        actions.current.push(action);
        return { dispose: () => (actions.current = actions.current.filter((a) => a !== action)) };
      },
      onDidChangeModelContent: (listener: () => void) => {
        listeners.current.push(listener);
        return { dispose: () => (listeners.current = listeners.current.filter((l) => l !== listener)) };
      },
    };
    fakeMonacoState.modelIds.push(modelId.current);
    propsRef.current.onBeforeEditorMount?.(monaco as never);
    propsRef.current.onEditorDidMount?.(editor as never, monaco as never);
    return () => propsRef.current.onEditorWillUnmount?.();
  }, []);

  // Like Monaco with keepCurrentModel: a new value from outside replaces the text.
  useEffect(() => {
    if (textarea.current && textarea.current.value !== props.value) {
      textarea.current.value = props.value;
      listeners.current.forEach((l) => l());
    }
  }, [props.value]);

  return (
    <textarea
      ref={textarea}
      aria-label={props.monacoOptions?.ariaLabel ?? 'code editor'}
      data-language={props.language}
      defaultValue={props.value}
      onChange={() => listeners.current.forEach((l) => l())}
      onBlur={() => props.onBlur?.(textarea.current?.value ?? '')}
      onKeyDown={(event) => {
        const key =
          (event.shiftKey ? 1024 : 0) | (event.ctrlKey || event.metaKey ? 2048 : 0) | (event.key === 'Enter' ? 3 : 0);
        const action = actions.current.find((a) => a.keybindings?.includes(key));
        if (action) {
          event.preventDefault();
          action.run();
        }
      }}
    />
  );
}
