import type { Monaco, monacoTypes } from '@grafana/ui';

import { DATADOG_FUNCTIONS, SPACE_AGGREGATORS } from './completion';

/** Our own id for Datadog's metrics query syntax in Monaco's shared language registry. */
export const DATADOG_LANGUAGE_ID = 'memshape-datadog';

const languageConfiguration: monacoTypes.languages.LanguageConfiguration = {
  // Metric names and tags (system.mem.used, kube_namespace:shop) stay whole words.
  wordPattern: /[\w.\-/*$]+/g,
  brackets: [
    ['{', '}'],
    ['(', ')'],
  ],
  autoClosingPairs: [
    { open: '{', close: '}' },
    { open: '(', close: ')' },
    { open: "'", close: "'", notIn: ['string'] },
  ],
};

/** A Monarch tokenizer: aggregators and functions, `by`, tags and boolean words in scopes, numbers, variables. */
const monarchLanguage: monacoTypes.languages.IMonarchLanguage = {
  defaultToken: '',
  tokenPostfix: '.datadog',
  aggregators: SPACE_AGGREGATORS,
  functions: DATADOG_FUNCTIONS.map((f) => f.name).concat(['as_count', 'as_rate', 'per_second', 'per_minute']),
  keywords: ['by', 'BY', 'AND', 'OR', 'NOT', 'IN', 'and', 'or', 'not', 'in'],
  tokenizer: {
    root: [
      [/[ \t\r\n]+/, 'white'],
      [/\$\{[^}]*\}|\$\w+/, 'variable'],
      // A tag key right before its colon, inside a scope.
      [/[\w.\-/]+(?=:)/, { cases: { '@aggregators': 'keyword', '@default': 'tag' } }],
      [/[a-zA-Z_][\w.]*/, { cases: { '@functions': 'predefined', '@keywords': 'keyword', '@default': 'identifier' } }],
      [/'[^']*'/, 'string'],
      [/[{}()]/, '@brackets'],
      [/-?\d+(\.\d+)?/, 'number'],
      [/[,:!*]/, 'delimiter'],
      [/[+\-/]/, 'operator'],
    ],
  },
};

/** Registers the language once per Monaco instance. */
export function registerDatadog(monaco: Monaco): void {
  if (monaco.languages.getLanguages().some((language) => language.id === DATADOG_LANGUAGE_ID)) {
    return;
  }
  monaco.languages.register({ id: DATADOG_LANGUAGE_ID, aliases: ['Datadog metrics query (Memory Shape)'] });
  monaco.languages.setMonarchTokensProvider(DATADOG_LANGUAGE_ID, monarchLanguage);
  monaco.languages.setLanguageConfiguration(DATADOG_LANGUAGE_ID, languageConfiguration);
}
