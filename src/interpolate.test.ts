import { dateTime } from '@grafana/data';

import {
  BACKEND_MACROS,
  escapeRegexValue,
  escapeRegularValue,
  formatPromQLVariable,
  interpolatePromQL,
  rangeScopedVars,
} from './interpolate';
import { fakeTemplateSrv } from './testing/templateSrv';

const templateSrv = fakeTemplateSrv([
  { name: 'namespace', current: 'shop' },
  { name: 'pod', current: ['api-1', 'api-7'], options: ['api-1', 'api-7', 'db-0'], multi: true },
  { name: 'one', current: ['api-1'], multi: true },
  { name: 'all', current: '$__all', options: ['a.b', 'c|d'], includeAll: true },
  { name: 'custom_all', current: '$__all', options: ['x'], includeAll: true, allValue: '.*' },
  { name: 'job', current: 'node.exporter' },
  { name: 'quoted', current: 'say "hi"\\now' },
  { name: 'dotted', current: ['v1.2', 'v(3)'], multi: true },
  { name: 'matcher', current: 'job="api"' },
]);

describe('interpolatePromQL', () => {
  it.each([
    // A single-valued variable is escaped as a string only: dots stay dots, as in Grafana's Prometheus.
    ['{namespace="$namespace"}', '{namespace="shop"}'],
    ['{job="$job"}', '{job="node.exporter"}'],
    ['{x="${namespace}"}', '{x="shop"}'],
    ['{msg="$quoted"}', '{msg="say \\"hi\\"\\\\now"}'],
    // Multi-value: each value regex-escaped, several joined with | in a group.
    ['{pod=~"$pod"}', '{pod=~"(api-1|api-7)"}'],
    ['{v=~"$dotted"}', '{v=~"(v1\\\\.2|v\\\\(3\\\\))"}'],
    // One value of a multi-value variable: regex-escaped, no group.
    ['{pod=~"$one"}', '{pod=~"api-1"}'],
    // All: every option, regex-escaped.
    ['{x=~"$all"}', '{x=~"(a\\\\.b|c\\\\|d)"}'],
    // A custom All value is Grafana's to insert as it is.
    ['{x=~"$custom_all"}', '{x=~".*"}'],
    // A variable holding a whole matcher is left whole.
    ['up{$matcher}', 'up{job="api"}'],
    // Unknown names stay.
    ['{x="$nope"}', '{x="$nope"}'],
  ])('%s → %s', (expr, expected) => {
    expect(interpolatePromQL(templateSrv, expr)).toBe(expected);
  });

  it('leaves every backend macro untouched, even when Grafana offers a value in scopedVars', () => {
    const scopedVars = Object.fromEntries(BACKEND_MACROS.map((m) => [m, { text: 'WRONG', value: 'WRONG' }]));
    const expr =
      'rate(x{pod=~"$pod"}[$__rate_interval]) + increase(y[$__interval]) + z[$__range] ' +
      '+ $__interval_ms + $__range_s + $__range_ms + w[${__interval}] + v[${__rate_interval}]';
    expect(interpolatePromQL(templateSrv, expr, scopedVars)).toBe(
      'rate(x{pod=~"(api-1|api-7)"}[$__rate_interval]) + increase(y[$__interval]) + z[$__range] ' +
        '+ $__interval_ms + $__range_s + $__range_ms + w[${__interval}] + v[${__rate_interval}]'
    );
  });

  it('still interpolates other scoped variables, such as a repeated panel value', () => {
    expect(
      interpolatePromQL(templateSrv, 'x{pod="$repeat"}[$__interval]', {
        repeat: { text: 'api-9', value: 'api-9' },
        __interval: { text: '1m', value: '1m' },
      })
    ).toBe('x{pod="api-9"}[$__interval]');
  });

  it('interpolates the range macros when asked to (texts the backend does not interpolate)', () => {
    const range = { from: dateTime(0), to: dateTime(3_600_000), raw: { from: 'now-1h', to: 'now' } };
    expect(
      interpolatePromQL(templateSrv, 'max_over_time(x[$__range]) $__range_s $__range_ms', rangeScopedVars(range), false)
    ).toBe('max_over_time(x[3600s]) 3600 3600000');
  });
});

describe('escaping', () => {
  it('regex-escapes every RE2 metacharacter, then escapes for a double-quoted string', () => {
    expect(escapeRegexValue('a.b+c*d?e(f)g|h[i]j{k}l^m$n\\o"p')).toBe(
      'a\\\\.b\\\\+c\\\\*d\\\\?e\\\\(f\\\\)g\\\\|h\\\\[i\\\\]j\\\\{k\\\\}l\\\\^m\\\\$n\\\\\\\\o\\"p'
    );
  });

  it('escapes a single value for a double-quoted string only', () => {
    expect(escapeRegularValue('a.b\\c"d')).toBe('a.b\\\\c\\"d');
  });

  it('formats numbers as they are', () => {
    expect(formatPromQLVariable(5, { multi: false })).toBe('5');
    expect(formatPromQLVariable([1, 2], { multi: true })).toBe('(1|2)');
  });
});
