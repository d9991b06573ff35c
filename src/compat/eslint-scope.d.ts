/** The part of eslint-scope's API that react19.ts uses (the package ships no types). */
declare module 'eslint-scope' {
  export interface Definition {
    name: unknown;
    node: unknown;
  }
  export interface Reference {
    identifier: unknown;
    resolved: Variable | null;
  }
  export interface Variable {
    name: string;
    defs: Definition[];
    references: Reference[];
  }
  export interface Scope {
    variables: Variable[];
    references: Reference[];
  }
  export interface ScopeManager {
    scopes: Scope[];
  }
  export function analyze(ast: unknown, options?: Record<string, unknown>): ScopeManager;
}
