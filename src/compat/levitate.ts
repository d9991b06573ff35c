/**
 * npm run levitate — @grafana/levitate is-compatible of src/module.ts against @grafana/data, ui and runtime at the
 * oldest Grafana that src/plugin.json's grafanaDependency claims (">=11.0.0" → 11.0.0).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const plugin = JSON.parse(readFileSync('src/plugin.json', 'utf8'));
const claim: string = plugin.dependencies?.grafanaDependency ?? '';
const oldest = /^>=\s*(\d+\.\d+\.\d+)/.exec(claim)?.[1];
if (!oldest) {
  console.error(`src/plugin.json: grafanaDependency "${claim}" does not start with ">=X.Y.Z"`);
  process.exit(2);
}
const target = ['data', 'ui', 'runtime'].map((p) => `@grafana/${p}@${oldest}`).join(',');
console.log(`levitate: src/module.ts against ${target} (grafanaDependency ${claim})`);
const run = spawnSync('levitate', ['is-compatible', '--path', 'src/module.ts', '--target', target], {
  stdio: 'inherit',
  shell: false,
});
process.exit(run.status ?? 1);
