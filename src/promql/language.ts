import type { Monaco, monacoTypes } from '@grafana/ui';

import { AGGREGATIONS, FUNCTIONS, KEYWORDS } from './terms';

/**
 * Our own id: Grafana's Prometheus data source registers `promql` with its own completion, and Monaco's language
 * registry is shared by every plugin on the page.
 */
export const PROMQL_LANGUAGE_ID = 'memshape-promql';

/** Brackets, quotes and word pattern of PromQL. */
export const languageConfiguration: monacoTypes.languages.LanguageConfiguration = {
  // Label values and durations stay whole words; `$__rate_interval` is one word.
  wordPattern: /(-?\d*\.\d\w*)|([^`~!#%^&*()\-=+[{\]}\\|;:'",.<>/?\s]+)/g,
  comments: { lineComment: '#' },
  brackets: [
    ['{', '}'],
    ['[', ']'],
    ['(', ')'],
  ],
  autoClosingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '(', close: ')' },
    { open: '"', close: '"', notIn: ['string'] },
    { open: "'", close: "'", notIn: ['string'] },
  ],
  surroundingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '(', close: ')' },
    { open: '"', close: '"' },
    { open: "'", close: "'" },
  ],
};

/** A Monarch tokenizer for PromQL: functions and keywords, label names, strings, durations, numbers, variables. */
export const monarchLanguage: monacoTypes.languages.IMonarchLanguage = {
  defaultToken: '',
  tokenPostfix: '.promql',
  ignoreCase: false,
  functions: [...FUNCTIONS, ...AGGREGATIONS].map((f) => f.name),
  keywords: KEYWORDS,
  operators: ['+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', '<=', '=~', '!~', '='],
  symbols: /[=><!~?:&|+\-*/^%]+/,
  escapes: /\\(?:[abfnrtv\\"'`]|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0-7]{3})/,
  tokenizer: {
    root: [
      { include: '@whitespace' },
      // Grafana variables and macros: $var, ${var}, ${var:format}, [[var]].
      [/\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\]/, 'variable'],
      // Label names in matchers: the word right before an operator.
      [/[a-zA-Z_][\w]*(?=\s*(=~|!~|!=|=)(?!=))/, 'tag'],
      [/[a-zA-Z_:][\w:]*/, { cases: { '@functions': 'predefined', '@keywords': 'keyword', '@default': 'identifier' } }],
      [/"/, 'string', '@string_double'],
      [/'/, 'string', '@string_single'],
      [/`/, 'string', '@string_backtick'],
      [/[{}()[\]]/, '@brackets'],
      [/@symbols/, { cases: { '@operators': 'operator', '@default': '' } }],
      // Durations (5m, 1h30m, 250ms) before plain numbers.
      [/\d+(ms|[smhdwy])(\d+(ms|[smhdwy]))*/, 'number'],
      [/(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/, 'number'],
      [/0[xX][0-9a-fA-F]+/, 'number.hex'],
      [/[,;]/, 'delimiter'],
    ],
    whitespace: [
      [/[ \t\r\n]+/, 'white'],
      [/#.*$/, 'comment'],
    ],
    string_double: [
      [/\$\{[^}]*\}|\$\w+/, 'variable'],
      [/[^\\"$]+/, 'string'],
      [/@escapes/, 'string.escape'],
      [/\\./, 'string.escape.invalid'],
      [/\$/, 'string'],
      [/"/, 'string', '@pop'],
    ],
    string_single: [
      [/\$\{[^}]*\}|\$\w+/, 'variable'],
      [/[^\\'$]+/, 'string'],
      [/@escapes/, 'string.escape'],
      [/\\./, 'string.escape.invalid'],
      [/\$/, 'string'],
      [/'/, 'string', '@pop'],
    ],
    string_backtick: [
      [/[^`]+/, 'string'],
      [/`/, 'string', '@pop'],
    ],
  },
};

/** Registers the language once per Monaco instance. */
export function registerPromQL(monaco: Monaco): void {
  if (monaco.languages.getLanguages().some((language) => language.id === PROMQL_LANGUAGE_ID)) {
    return;
  }
  monaco.languages.register({ id: PROMQL_LANGUAGE_ID, aliases: ['PromQL (Memory Shape)'] });
  monaco.languages.setMonarchTokensProvider(PROMQL_LANGUAGE_ID, monarchLanguage);
  monaco.languages.setLanguageConfiguration(PROMQL_LANGUAGE_ID, languageConfiguration);
}
