/**
 * @jest-environment node
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import webpack from 'webpack';

import { importModules } from './levitate-bundle';
import { externalMemberUses, findReact19Uses } from './react19';

jest.setTimeout(120_000); // a hang guard only: webpack builds the fixtures

/**
 * Builds a fixture the way the plugin is built: production mode (terser), an AMD library, React as an external.
 * The checker must read what webpack really emits, not a hand-written imitation.
 */
async function bundle(code: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'react19-'));
  try {
    writeFileSync(path.join(dir, 'entry.js'), code);
    const stats = await new Promise<webpack.Stats>((resolve, reject) =>
      webpack(
        {
          mode: 'production',
          context: dir,
          entry: './entry.js',
          target: 'web',
          output: { path: dir, filename: 'module.js', library: { type: 'amd' } },
          externals: ['react', 'react-dom', 'react/jsx-runtime', '@grafana/ui'],
          devtool: false,
        },
        (error, result) => (error || !result ? reject(error) : resolve(result))
      )
    );
    if (stats.hasErrors()) {
      throw new Error(stats.toString('errors-only'));
    }
    return readFileSync(path.join(dir, 'module.js'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('findReact19Uses', () => {
  it('finds nothing in a bundle that uses only React 18 APIs', async () => {
    const source = await bundle(`
      import React, { createContext, createElement, forwardRef, useState, useTransition, useId } from 'react';
      import { createPortal, flushSync } from 'react-dom';
      import { jsx } from 'react/jsx-runtime';
      import { Button } from '@grafana/ui';
      const Theme = createContext('dark');
      const Input = forwardRef(function Input(props, ref) { return createElement('input', { ...props, ref }); });
      function Label({ text }) { const [n] = useState(0); const id = useId(); return jsx('label', { id, children: text + n }); }
      export function App(props) {
        const [pending, start] = useTransition();
        flushSync(() => {});
        return React.createElement(Theme.Provider, { value: 'light' },
          createElement(Input, { ref: props.inputRef }), createElement(Label, { text: 'x' }),
          createElement(Button, { use: 1 }, pending ? 'wait' : 'go'), createPortal(null, document.body), start);
      }
    `);
    expect(source).toMatch(/^define\(\[/);
    expect(findReact19Uses(source)).toEqual([]);
  });

  it.each([
    ['use (named import)', `import { use } from 'react'; export const f = (p) => use(p);`, 'react.use'],
    [
      'useActionState (default import)',
      `import React from 'react'; export const f = (a) => React.useActionState(a, 0);`,
      'react.useActionState',
    ],
    [
      'useOptimistic (namespace import)',
      `import * as R from 'react'; export const f = (s) => R.useOptimistic(s);`,
      'react.useOptimistic',
    ],
    [
      'useFormStatus',
      `import { useFormStatus } from 'react-dom'; export const f = () => useFormStatus().pending;`,
      'react-dom.useFormStatus',
    ],
    [
      'preload',
      `import { preload } from 'react-dom'; export const f = (u) => preload(u, { as: 'style' });`,
      'react-dom.preload',
    ],
    [
      'preinit',
      `import { preinit } from 'react-dom'; export const f = (u) => preinit(u, { as: 'script' });`,
      'react-dom.preinit',
    ],
  ])('finds %s', async (_, code, what) => {
    const findings = findReact19Uses(await bundle(code));
    expect(findings.map((f) => f.what)).toContain(what);
    expect(findings.every((f) => f.kind === 'export')).toBe(true);
  });

  it('finds a context rendered as its own provider', async () => {
    const findings = findReact19Uses(
      await bundle(`
        import { createContext, createElement } from 'react';
        const Theme = createContext('dark');
        export const App = (p) => createElement(Theme, { value: 'light' }, p.children);
      `)
    );
    expect(findings.map((f) => f.kind)).toEqual(['context-as-provider']);
  });

  it('finds a function component that reads ref from its props', async () => {
    const findings = findReact19Uses(
      await bundle(`
        import { jsx } from 'react/jsx-runtime';
        function Input({ ref, ...rest }) { return jsx('input', { ref, ...rest }); }
        function Other(props) { return jsx('div', { ref: props.ref }); }
        export const App = (p) => [jsx(Input, { ref: p.r }), jsx(Other, { ref: p.o })];
      `)
    );
    expect(findings.map((f) => f.kind)).toEqual(['ref-as-prop', 'ref-as-prop']);
  });
});

describe('externalMemberUses', () => {
  it("lists each external's exports a bundle uses, from named, namespace and default imports", async () => {
    const source = await bundle(`
      import { Button, Stack } from '@grafana/ui';
      import * as UI from '@grafana/ui';
      import React, { useState } from 'react';
      export function App() {
        const [n] = useState(0);
        return React.createElement(Stack, null, React.createElement(Button, null, n), React.createElement(UI.TagsInput));
      }
    `);
    const uses = new Set(externalMemberUses(source).map((u) => `${u.specifier}.${u.name}`));
    expect(uses).toEqual(
      new Set([
        '@grafana/ui.Button',
        '@grafana/ui.Stack',
        '@grafana/ui.TagsInput',
        'react.useState',
        'react.createElement',
      ])
    );
  });

  it('writes the uses as plain named imports, one module per package, for levitate to check', () => {
    const files = importModules({ '@grafana/ui': ['Button', 'Stack'], '@grafana/data': ['FieldType'] });
    expect(files['ui.ts']).toBe(`import { Button, Stack } from '@grafana/ui';\nexport const used = [Button, Stack];\n`);
    expect(files['data.ts']).toBe(`import { FieldType } from '@grafana/data';\nexport const used = [FieldType];\n`);
    expect(files['bundle-externals.ts']).toBe(
      `export { used as ui } from './ui';\nexport { used as data } from './data';\n`
    );
  });
});
