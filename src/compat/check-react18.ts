/**
 * npm run check:react18 — fails when the built bundle (dist/module.js, or the files named) uses a React-19-only
 * API: Grafana 11 and 12 run plugins on React 18, while @grafana/ui 13 makes the build itself use React 19.
 */
import { readFileSync } from 'node:fs';

import { describeFindings, findReact19Uses } from './react19';

const files = process.argv.slice(2);
let failed = false;
for (const file of files.length ? files : ['dist/module.js']) {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    console.error(`${file}: cannot read it; build first (npm run build)`);
    process.exit(2);
  }
  const findings = findReact19Uses(source);
  if (findings.length) {
    failed = true;
    console.error(`${file}: ${findings.length} use(s) of React-19-only APIs (Grafana 11-12 run React 18):`);
    describeFindings(source, findings).forEach((line) => console.error(`  ${line}`));
  } else {
    console.log(`${file}: no React-19-only API (${(source.length / 1024).toFixed(1)} KiB checked)`);
  }
}
process.exit(failed ? 1 : 0);
