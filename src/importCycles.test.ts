import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * No import circles among the frontend's modules: a circle makes the order modules load in decide what a module
 * sees (an import may still be undefined), and ties modules that should change alone. Every import counts, type-only
 * ones too: they are the first step of a circle that later carries values.
 */

const SOURCE = /\.tsx?$/;
const RESOLVE_SUFFIXES = ['.ts', '.tsx', '.d.ts', '/index.ts', '/index.tsx'];

/** A module and the modules it imports, by path. */
type ImportGraph = Map<string, string[]>;

/** The relative imports of each file, resolved to files of the set; other imports (packages, JSON) are left out. */
function importGraph(files: Map<string, string>): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const [file, text] of files) {
    const imports = ts
      .preProcessFile(text, true, true)
      .importedFiles.map((f) => f.fileName)
      .filter((name) => name.startsWith('./') || name.startsWith('../'))
      .map((name) => {
        const base = path.posix.join(path.posix.dirname(file), name);
        return [base, ...RESOLVE_SUFFIXES.map((suffix) => base + suffix)].find((c) => SOURCE.test(c) && files.has(c));
      })
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(imports)]);
  }
  return graph;
}

/**
 * The circles of the graph, as the paths that go round them (`a.ts → b.ts → a.ts`): for each module on a circle
 * (a strongly connected component, by Tarjan), the shortest circle through it, each circle once.
 */
function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;

  const connect = (node: string) => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        connect(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) {
        components.push(component);
      }
    }
  };
  for (const node of [...graph.keys()].sort()) {
    if (!index.has(node)) {
      connect(node);
    }
  }
  const cycles = new Map<string, string[]>();
  for (const component of components) {
    for (const start of [...component].sort()) {
      const cycle = cycleThrough(graph, new Set(component), start);
      // The same circle found from another of its modules: keep it once, from its first module by name.
      const first = cycle.indexOf([...cycle].sort()[0]);
      const rotated = [...cycle.slice(first, -1), ...cycle.slice(0, first), cycle[first]];
      cycles.set(rotated.join(' → '), rotated);
    }
  }
  return [...cycles.values()];
}

/** A shortest path from start back to itself, staying inside its component. */
function cycleThrough(graph: ImportGraph, component: Set<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const target of graph.get(node) ?? []) {
      if (!component.has(target)) {
        continue;
      }
      if (target === start) {
        const cycle = [start];
        for (let at: string | undefined = node; at !== start && at !== undefined; at = previous.get(at)) {
          cycle.unshift(at);
        }
        cycle.unshift(start);
        return cycle;
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/** Every .ts/.tsx file under dir, by its path relative to dir, with its text. */
function sources(dir: string, under = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(path.join(dir, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      sources(dir, rel).forEach((text, file) => files.set(file, text));
    } else if (SOURCE.test(entry.name)) {
      files.set(rel, fs.readFileSync(path.join(dir, rel), 'utf8'));
    }
  }
  return files;
}

describe('import cycles', () => {
  it('are found with the path round them, type-only imports and re-exports included', () => {
    const graph = importGraph(
      new Map([
        ['a.ts', "import { b } from './b';"],
        ['b.ts', "import type { C } from './dir';\nexport const b = 1;"],
        ['dir/index.ts', "export * from '../a';\nimport { d } from './d';"],
        ['dir/d.tsx', "import React from 'react';\nexport const d = 1;"],
        ['e.ts', "import { e } from './e';"],
        ['f.ts', "import { d } from './dir/d';\nimport data from './data.json';"],
      ])
    );
    expect(graph.get('dir/index.ts')).toEqual(['a.ts', 'dir/d.tsx']);
    expect(importCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([
      'a.ts → b.ts → dir/index.ts → a.ts',
      'e.ts → e.ts',
    ]);
  });

  it('are none among the frontend sources', () => {
    const graph = importGraph(sources(__dirname));
    // The graph is read at all: the plugin's entry imports the data source and the editors.
    expect(graph.get('module.ts')).toEqual(
      expect.arrayContaining(['components/ConfigEditor.tsx', 'components/QueryEditor.tsx', 'datasource.ts'])
    );
    const cycles = importCycles(graph).map((cycle) => cycle.join(' → '));
    expect(cycles).toEqual([]);
  });
});
