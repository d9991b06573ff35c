/**
 * npm run levitate:bundle — does the oldest Grafana the plugin claims have every @grafana/data, ui and runtime export
 * the built bundle (dist/module.js, or the file named) uses?
 *
 * `npm run levitate` checks src/module.ts and what it imports, but not the @grafana/ui components that bundled
 * libraries (@grafana/plugin-ui) use: those calls are only in the bundle, where @grafana/* are AMD externals that
 * Grafana provides at run time. This reads the bundle's uses of those externals (react19.ts's bundle analysis),
 * writes them as imports into TypeScript files in a temporary folder of the project (.levitate-bundle-*, removed
 * after) and has @grafana/levitate is-compatible check them against the packages at src/plugin.json's
 * grafanaDependency (">=11.0.0" → 11.0.0). Exits with levitate's status, and 1 when levitate skipped a package.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { oldestGrafana } from './grafanaDependency';
import { externalMemberUses } from './react19';

const CHECKED = ['@grafana/data', '@grafana/ui', '@grafana/runtime'];

/**
 * TypeScript modules that import (and use) every export in `names`: one per package, so that no two imports share a
 * name, and an entry that imports them all. Plain named imports: levitate does not follow `import { a as b }`.
 */
export function importModules(names: Record<string, string[]>): Record<string, string> {
  const files: Record<string, string> = {};
  const entry: string[] = [];
  for (const [specifier, exports] of Object.entries(names)) {
    const base = specifier.replace(/^@grafana\//, '');
    files[`${base}.ts`] =
      `import { ${exports.join(', ')} } from '${specifier}';\n` + `export const used = [${exports.join(', ')}];\n`;
    entry.push(`export { used as ${base} } from './${base}';`);
  }
  files['bundle-externals.ts'] = entry.join('\n') + '\n';
  return files;
}

function main() {
  const file = process.argv[2] ?? 'dist/module.js';
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    console.error(`${file}: cannot read it; build first (npm run build)`);
    process.exit(2);
  }
  const { claim, targets } = oldestGrafana();

  // (Plain objects and arrays: ts-node compiles these scripts to ES5, where a Map cannot be iterated.)
  const names: Record<string, string[]> = {};
  for (const use of externalMemberUses(source)) {
    const exports = (names[use.specifier] ??= []);
    if (CHECKED.includes(use.specifier) && !exports.includes(use.name)) {
      exports.push(use.name);
    }
  }
  Object.keys(names).forEach((specifier) => names[specifier].length || delete names[specifier]);
  if (Object.keys(names).length === 0) {
    console.error(`${file}: no use of ${CHECKED.join(', ')} found: is it a plugin bundle with them as externals?`);
    process.exit(2);
  }
  for (const [specifier, exports] of Object.entries(names)) {
    console.log(`${file} uses ${exports.length} exports of ${specifier}: ${exports.slice().sort().join(', ')}`);
  }

  // In the project, out of node_modules: levitate compares against the versions installed for the file it checks,
  // and reads no imports from a file under node_modules (it then passes, having checked nothing).
  const dir = mkdtempSync(path.resolve('.levitate-bundle-'));
  try {
    for (const [name, text] of Object.entries(importModules(names))) {
      writeFileSync(path.join(dir, name), text);
    }
    const entry = path.join(dir, 'bundle-externals.ts');
    console.log(`levitate: those exports against ${targets} (grafanaDependency ${claim})`);
    const run = spawnSync('levitate', ['is-compatible', '--path', path.relative('.', entry), '--target', targets], {
      encoding: 'utf8',
      shell: false,
      maxBuffer: 64 * 1024 * 1024,
    });
    process.stdout.write(run.stdout ?? '');
    process.stderr.write(run.stderr ?? '');
    // levitate passes a package it skips (not found installed): that checked nothing.
    if (/Skipping package/.test(`${run.stdout}${run.stderr}`)) {
      console.error('levitate skipped a package, so it checked nothing for it: run npm ci first');
      process.exitCode = 1;
    } else {
      process.exitCode = run.status ?? 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main();
}
