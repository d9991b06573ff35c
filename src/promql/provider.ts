import type { Monaco, monacoTypes } from '@grafana/ui';
import { TimeRange } from '@grafana/data';

import { PromResources } from '../resources';
import { complete, Completion, CompletionData, SuggestionKind } from './completion';

/** Answers kept by key, each fetched once (a failed fetch is tried again next time). */
export function answerCache(): <T>(key: string, load: () => Promise<T>) => Promise<T> {
  const cache = new Map<string, Promise<unknown>>();
  return <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let answer = cache.get(key) as Promise<T> | undefined;
    if (!answer) {
      answer = load();
      cache.set(key, answer);
      answer.catch(() => cache.delete(key));
    }
    return answer;
  };
}

/**
 * Completion data from the backend's Prometheus API proxy, each answer fetched once per editor (a failed fetch is
 * tried again next time).
 */
export function resourceCompletionData(
  resources: PromResources,
  range: () => TimeRange | undefined,
  variables: () => string[] = () => []
): CompletionData {
  const memo = answerCache();
  return {
    metricNames: () => memo('metrics', () => resources.labelValues('__name__', undefined, range())),
    metricHelp: () =>
      memo('metadata', async () => {
        const metadata = await resources.metadata();
        return Object.fromEntries(Object.entries(metadata).map(([name, entries]) => [name, entries[0] ?? {}]));
      }),
    labelNames: (match) => memo(`labels ${match ?? ''}`, () => resources.labelNames(match, range())),
    labelValues: (label, match) =>
      memo(`values ${label} ${match ?? ''}`, () => resources.labelValues(label, match, range())),
    variables,
  };
}

function itemKind(monaco: Monaco, kind: SuggestionKind): monacoTypes.languages.CompletionItemKind {
  const kinds = monaco.languages.CompletionItemKind;
  switch (kind) {
    case 'metric':
      return kinds.Constructor;
    case 'function':
      return kinds.Function;
    case 'keyword':
      return kinds.Keyword;
    case 'label':
      return kinds.Enum;
    case 'value':
      return kinds.EnumMember;
    case 'duration':
      return kinds.Unit;
    case 'variable':
      return kinds.Variable;
  }
}

/**
 * A Monaco completion provider for one editor: it answers only for that editor's model (the language's providers
 * are shared by every editor on the page), and an upstream that cannot answer gives no suggestions, not an error.
 * `complete` reads the text before the cursor (PromQL's `complete`, Datadog's `completeDatadog`).
 */
export function codeCompletionProvider(
  monaco: Monaco,
  complete: (before: string) => Promise<Completion>,
  isOwnModel: (model: monacoTypes.editor.ITextModel) => boolean,
  triggerCharacters: string[]
): monacoTypes.languages.CompletionItemProvider {
  return {
    triggerCharacters,
    async provideCompletionItems(model, position) {
      if (!isOwnModel(model)) {
        return { suggestions: [] };
      }
      const offset = model.getOffsetAt(position);
      const before = model.getValue().slice(0, offset);
      let completion;
      try {
        completion = await complete(before);
      } catch {
        return { suggestions: [] };
      }
      const start = model.getPositionAt(offset - completion.replaceLength);
      const range = {
        startLineNumber: start.lineNumber,
        startColumn: start.column,
        endLineNumber: position.lineNumber,
        endColumn: position.column,
      };
      const width = String(completion.suggestions.length).length;
      return {
        suggestions: completion.suggestions.map((s, i) => ({
          label: s.label,
          insertText: s.insertText,
          kind: itemKind(monaco, s.kind),
          detail: s.detail,
          documentation: s.documentation,
          // Keep our order (metrics, then functions, keywords, variables) for equal matches.
          sortText: String(i).padStart(width, '0'),
          range,
        })),
      };
    },
  };
}

/** Where PromQL completion pops up by itself. */
export const PROMQL_TRIGGERS = ['{', ',', '=', '~', '"', '(', '[', ' ', '$'];

/** The PromQL completion provider of one editor. */
export function promqlCompletionProvider(
  monaco: Monaco,
  data: CompletionData,
  isOwnModel: (model: monacoTypes.editor.ITextModel) => boolean
): monacoTypes.languages.CompletionItemProvider {
  return codeCompletionProvider(monaco, (before) => complete(before, data), isOwnModel, PROMQL_TRIGGERS);
}
