/**
 * npm run levitate — @grafana/levitate is-compatible of src/module.ts against @grafana/data, ui and runtime at the
 * oldest Grafana that src/plugin.json's grafanaDependency claims (">=11.0.0" → 11.0.0).
 */
import { spawnSync } from 'node:child_process';

import { oldestGrafana } from './grafanaDependency';

let target: string;
let claim: string;
try {
  ({ targets: target, claim } = oldestGrafana());
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
console.log(`levitate: src/module.ts against ${target} (grafanaDependency ${claim})`);
const run = spawnSync('levitate', ['is-compatible', '--path', 'src/module.ts', '--target', target], {
  stdio: 'inherit',
  shell: false,
});
process.exit(run.status ?? 1);
