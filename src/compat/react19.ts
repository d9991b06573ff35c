/**
 * Finds uses of React-19-only APIs in a webpack bundle whose `react` and `react-dom` are externals (a Grafana
 * plugin's dist/module.js): Grafana 11 and 12 give plugins React 18, where these are undefined or ignored.
 *
 * It parses the bundle (acorn) and resolves names with real scopes (eslint-scope), so it follows what webpack and
 * terser emit: `define([...deps], (a, b, …) => …)`, a module table whose entries re-export a dependency
 * (`959(e){e.exports=o}`), `const r = req(959)` namespace bindings, `req.n(r)` default getters, then
 * `(0, r.useActionState)(…)` or `o().use(…)`. Three kinds of findings:
 * - an export that React 18 does not have (`use`, `useActionState`, `useOptimistic`, react-dom's `useFormStatus`,
 *   `preload*`, `preinit*` …);
 * - a context object rendered as an element (`<Context value={…}>`, React 19's provider shorthand);
 * - a function component given to createElement/jsx that reads `ref` from its props without forwardRef (React 18
 *   never passes `ref` as a prop).
 * The same analysis lists every export of every external the bundle uses (externalMemberUses), which
 * levitate-bundle.ts checks against the oldest Grafana.
 */
import { parse } from 'acorn';
import { analyze, Variable } from 'eslint-scope';

/** Exports that exist in React 19 and not in React 18.3, per module specifier. */
export const REACT19_ONLY: Record<string, string[]> = {
  react: [
    'use',
    'useActionState',
    'useOptimistic',
    'useEffectEvent',
    'cache',
    'cacheSignal',
    'captureOwnerStack',
    'unstable_useCacheRefresh',
    'Activity',
    'ViewTransition',
    'addTransitionType',
  ],
  'react-dom': [
    'useFormStatus',
    'useFormState',
    'requestFormReset',
    'preload',
    'preloadModule',
    'preinit',
    'preinitModule',
    'prefetchDNS',
    'preconnect',
  ],
  'react-dom/client': [],
  'react/jsx-runtime': [],
};

export interface Finding {
  kind: 'export' | 'context-as-provider' | 'ref-as-prop';
  /** e.g. `react.useActionState`. */
  what: string;
  /** Character offset in the bundle. */
  offset: number;
}

// ESTree nodes as acorn gives them, with the parent this file sets.
interface Node {
  type: string;
  start: number;
  parent?: Node;
  [key: string]: unknown;
}

const REACT_MODULES = new Set(Object.keys(REACT19_ONLY));
const ELEMENT_FACTORIES = new Set(['createElement', 'jsx', 'jsxs', 'jsxDEV']);

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'parent') {
      continue;
    }
    if (Array.isArray(value)) {
      value.forEach((v) => v && typeof v.type === 'string' && out.push(v));
    } else if (value && typeof (value as Node).type === 'string') {
      out.push(value as Node);
    }
  }
  return out;
}

function walk(node: Node, visit: (n: Node) => void) {
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    visit(n);
    for (const c of children(n)) {
      c.parent = n;
      stack.push(c);
    }
  }
}

const propertyName = (member: Node): string | undefined => {
  const property = member.property as Node;
  if (!member.computed && property.type === 'Identifier') {
    return property.name as string;
  }
  return property.type === 'Literal' && typeof property.value === 'string' ? property.value : undefined;
};

/** A use of an external module's export in a bundle: `r.Button`, `(0, r.jsx)`, `const { use } = r`. */
export interface ExternalMemberUse {
  /** The module specifier of the external, e.g. `@grafana/ui`. */
  specifier: string;
  /** The export's name, e.g. `Button`. */
  name: string;
  /** Character offset in the bundle. */
  offset: number;
}

/**
 * A bundle parsed with real scopes, and which of its variables hold which external module (see the file comment):
 * `moduleOfMember(x.name)` says which module `x` is, for `r.name` and `o().name`.
 */
function analyzeBundle(source: string) {
  const ast = parse(source, {
    ecmaVersion: 'latest',
    sourceType: 'script',
    allowReturnOutsideFunction: true,
    ranges: true, // eslint-scope reads node.range
  }) as unknown as Node;
  // Scopes first: eslint-scope walks every key, and the parent links added below would loop it.
  const scopes = analyze(ast as never, { ecmaVersion: 2022, sourceType: 'script' } as never);
  const nodes: Node[] = [];
  walk(ast, (n) => nodes.push(n));

  // Every identifier that refers to (or declares) a variable.
  const variableOf = new Map<Node, Variable>();
  for (const scope of scopes.scopes) {
    for (const ref of scope.references) {
      if (ref.resolved) {
        variableOf.set(ref.identifier as unknown as Node, ref.resolved);
      }
    }
    for (const variable of scope.variables) {
      for (const def of variable.defs) {
        variableOf.set(def.name as unknown as Node, variable);
      }
    }
  }
  const resolve = (n: Node | undefined) => (n?.type === 'Identifier' ? variableOf.get(n) : undefined);

  // 1. AMD factory parameters ↔ module specifiers.
  const paramModule = new Map<Variable, string>();
  for (const n of nodes) {
    if (
      n.type !== 'CallExpression' ||
      (n.callee as Node).type !== 'Identifier' ||
      (n.callee as Node).name !== 'define'
    ) {
      continue;
    }
    const [deps, factory] = n.arguments as Node[];
    if (deps?.type !== 'ArrayExpression' || !factory || !/Function/.test(factory.type)) {
      continue;
    }
    (deps.elements as Node[]).forEach((dep, i) => {
      const param = (factory.params as Node[])[i];
      const variable = resolve(param);
      if (dep?.type === 'Literal' && typeof dep.value === 'string' && variable) {
        paramModule.set(variable, dep.value);
      }
    });
  }

  // 2. Module-table entries that re-export a factory parameter: `959(e){e.exports=o}`.
  const moduleIdOf = new Map<string, string>();
  for (const n of nodes) {
    if (n.type !== 'AssignmentExpression') {
      continue;
    }
    const left = n.left as Node;
    if (left.type !== 'MemberExpression' || propertyName(left) !== 'exports') {
      continue;
    }
    const specifier = paramModule.get(resolve(n.right as Node)!);
    // Up to the property of the module table that holds this function.
    let p = n.parent;
    while (p && p.type !== 'Property') {
      p = p.parent;
    }
    const key = p?.key as Node | undefined;
    if (specifier && key) {
      moduleIdOf.set(String(key.type === 'Identifier' ? key.name : key.value), specifier);
    }
  }

  // 3. Bindings of those modules: `r = req(959)` (namespace) and `o = req.n(r)` (default getter).
  const namespaceOf = new Map<Variable, string>();
  const defaultGetterOf = new Map<Variable, string>();
  const bindingTarget = (call: Node): Variable | undefined => {
    const parent = call.parent;
    if (parent?.type === 'VariableDeclarator' && parent.init === call) {
      return resolve(parent.id as Node);
    }
    if (parent?.type === 'AssignmentExpression' && parent.right === call) {
      return resolve(parent.left as Node);
    }
    return undefined;
  };
  for (const n of nodes) {
    if (n.type !== 'CallExpression' || (n.arguments as Node[]).length !== 1) {
      continue;
    }
    const arg = (n.arguments as Node[])[0];
    const callee = n.callee as Node;
    if (callee.type === 'Identifier' && arg.type === 'Literal' && moduleIdOf.has(String(arg.value))) {
      const target = bindingTarget(n);
      if (target) {
        namespaceOf.set(target, moduleIdOf.get(String(arg.value))!);
      }
    }
  }
  for (const n of nodes) {
    const callee = n.callee as Node | undefined;
    if (n.type === 'CallExpression' && callee?.type === 'MemberExpression' && propertyName(callee) === 'n') {
      const specifier = namespaceOf.get(resolve((n.arguments as Node[])[0])!);
      const target = bindingTarget(n);
      if (specifier && target) {
        defaultGetterOf.set(target, specifier);
      }
    }
  }

  /** For a member access `x.name`, the module it reads from when x is a React namespace or `getter()`. */
  const moduleOfMember = (member: Node): string | undefined => {
    const object = member.object as Node;
    const ns = namespaceOf.get(resolve(object)!);
    if (ns) {
      return ns;
    }
    if (object.type === 'CallExpression' && (object.arguments as Node[]).length === 0) {
      return defaultGetterOf.get(resolve(object.callee as Node)!);
    }
    return undefined;
  };

  /** Every use of an external's export: member accesses and destructuring of a module namespace. */
  const memberUses: ExternalMemberUse[] = [];
  for (const n of nodes) {
    if (n.type === 'MemberExpression') {
      const specifier = moduleOfMember(n);
      const name = propertyName(n);
      if (specifier && name) {
        memberUses.push({ specifier, name, offset: n.start });
      }
    } else if (n.type === 'VariableDeclarator' && (n.id as Node).type === 'ObjectPattern') {
      // `const { use } = r`
      const specifier = namespaceOf.get(resolve(n.init as Node)!);
      for (const prop of ((n.id as Node).properties as Node[]) ?? []) {
        const key = prop.key as Node | undefined;
        const name = key?.type === 'Identifier' ? (key.name as string) : undefined;
        if (specifier && name) {
          memberUses.push({ specifier, name, offset: n.start });
        }
      }
    }
  }
  return { nodes, resolve, bindingTarget, moduleOfMember, memberUses };
}

/**
 * The exports of external modules (the AMD dependencies of `define`, e.g. @grafana/ui) that a bundle uses, in the
 * order they appear.
 */
export function externalMemberUses(source: string): ExternalMemberUse[] {
  return analyzeBundle(source).memberUses.sort((a, b) => a.offset - b.offset);
}

/** The findings in a bundle's source; an empty list when it uses no React-19-only API. */
export function findReact19Uses(source: string): Finding[] {
  const { nodes, resolve, bindingTarget, moduleOfMember, memberUses } = analyzeBundle(source);

  /** The React export a callee names (`r.createElement`, `(0, r.jsx)`), with its module. */
  const reactCallee = (callee: Node): { specifier: string; name: string } | undefined => {
    let c = callee;
    if (c.type === 'SequenceExpression') {
      const expressions = c.expressions as Node[];
      c = expressions[expressions.length - 1];
    }
    if (c.type !== 'MemberExpression') {
      return undefined;
    }
    const specifier = moduleOfMember(c);
    const name = propertyName(c);
    return specifier && name && REACT_MODULES.has(specifier) ? { specifier, name } : undefined;
  };

  const findings: Finding[] = [];

  // Exports React 18 lacks.
  for (const use of memberUses) {
    if (REACT19_ONLY[use.specifier]?.includes(use.name)) {
      findings.push({ kind: 'export', what: `${use.specifier}.${use.name}`, offset: use.offset });
    }
  }

  // Contexts created in the bundle, and the components it renders.
  const contexts = new Set<Variable>();
  const elementTypes: Array<{ type: Node; call: Node }> = [];
  for (const n of nodes) {
    if (n.type !== 'CallExpression') {
      continue;
    }
    const callee = reactCallee(n.callee as Node);
    if (callee?.name === 'createContext') {
      const target = bindingTarget(n);
      if (target) {
        contexts.add(target);
      }
    } else if (callee && ELEMENT_FACTORIES.has(callee.name) && (n.arguments as Node[]).length > 0) {
      elementTypes.push({ type: (n.arguments as Node[])[0], call: n });
    }
  }

  const functionOf = (variable: Variable): Node | undefined => {
    for (const def of variable.defs) {
      const node = def.node as unknown as Node;
      if (node.type === 'FunctionDeclaration') {
        return node;
      }
      if (node.type === 'VariableDeclarator' && /Function/.test((node.init as Node | undefined)?.type ?? '')) {
        return node.init as Node;
      }
    }
    return undefined;
  };
  /** Whether a function reads `ref` from its first parameter (its props). */
  const readsRefProp = (fn: Node): boolean => {
    const props = (fn.params as Node[])[0];
    if (!props) {
      return false;
    }
    if (props.type === 'ObjectPattern') {
      return (props.properties as Node[]).some((p) => (p.key as Node | undefined)?.name === 'ref');
    }
    const variable = resolve(props);
    return !!variable?.references.some((ref) => {
      const parent = (ref.identifier as unknown as Node).parent;
      return parent?.type === 'MemberExpression' && parent.object === ref.identifier && propertyName(parent) === 'ref';
    });
  };

  for (const { type, call } of elementTypes) {
    const variable = resolve(type);
    if (!variable) {
      continue;
    }
    if (contexts.has(variable)) {
      findings.push({
        kind: 'context-as-provider',
        what: `<${variable.name}> rendered as a provider`,
        offset: call.start,
      });
      continue;
    }
    const fn = functionOf(variable);
    if (fn && readsRefProp(fn)) {
      findings.push({ kind: 'ref-as-prop', what: `${variable.name} reads ref from its props`, offset: call.start });
    }
  }
  return findings.sort((a, b) => a.offset - b.offset);
}

/** A line per finding, with a little of the bundle around it. */
export function describeFindings(source: string, findings: Finding[]): string[] {
  return findings.map((f) => {
    const excerpt = source.slice(Math.max(0, f.offset - 30), f.offset + 50).replace(/\s+/g, ' ');
    return `${f.kind}: ${f.what} at offset ${f.offset}: …${excerpt}…`;
  });
}
