import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

/** A dashboard variable as the fake template service knows it. */
export interface FakeVariable {
  name: string;
  /** One value, or several for a multi-value variable; `$__all` for the All option. */
  current: string | string[];
  options?: string[];
  multi?: boolean;
  includeAll?: boolean;
  /** A custom All value such as `.*`. */
  allValue?: string;
}

type Format = (value: unknown, variable: FakeVariable) => string;

/**
 * A template service that follows Grafana's rules for what our code relies on: `$name` and `${name}` are looked up
 * in scopedVars first (as Grafana does for $__interval and repeated panels), then in the dashboard's variables;
 * the All option gives every option's value, or a custom All value inserted as it is; a format function receives
 * the value (a string, or an array for several values) and the variable. Unknown names stay as they are.
 */
export function fakeTemplateSrv(variables: FakeVariable[]): TemplateSrv {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const replace = (text?: string, scopedVars?: ScopedVars, format?: string | Function): string =>
    (text ?? '').replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, plain?: string, braced?: string) => {
      const name = (plain ?? braced)!;
      const scoped = scopedVars?.[name];
      if (scoped) {
        const variable: FakeVariable = { name, current: String(scoped.value) };
        return typeof format === 'function' ? (format as Format)(scoped.value, variable) : String(scoped.value);
      }
      const variable = byName.get(name);
      if (!variable) {
        return whole;
      }
      let value: string | string[] = variable.current;
      const all = value === '$__all' || (Array.isArray(value) && value.includes('$__all'));
      if (all) {
        if (variable.allValue) {
          return variable.allValue;
        }
        value = variable.options ?? [];
      }
      if (typeof format === 'function') {
        return (format as Format)(value, variable);
      }
      return Array.isArray(value) ? (value.length > 1 ? `{${value.join(',')}}` : String(value[0] ?? '')) : value;
    });
  return {
    getVariables: () => variables.map((v) => ({ name: v.name }) as never),
    replace: jest.fn(replace),
    containsTemplate: (text?: string) => /\$\w+|\$\{\w+\}/.test(text ?? ''),
    updateTimeRange: () => {},
  } as unknown as TemplateSrv;
}
