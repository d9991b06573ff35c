/**
 * The oldest Grafana the plugin claims to run on: src/plugin.json's grafanaDependency (">=11.0.0" → "11.0.0"), and
 * the @grafana packages of that version the compatibility checks compare against.
 */
import { readFileSync } from 'node:fs';

export function oldestGrafana(pluginJson = 'src/plugin.json'): { claim: string; oldest: string; targets: string } {
  const plugin = JSON.parse(readFileSync(pluginJson, 'utf8'));
  const claim: string = plugin.dependencies?.grafanaDependency ?? '';
  const oldest = /^>=\s*(\d+\.\d+\.\d+)/.exec(claim)?.[1];
  if (!oldest) {
    throw new Error(`${pluginJson}: grafanaDependency "${claim}" does not start with ">=X.Y.Z"`);
  }
  const targets = ['data', 'ui', 'runtime'].map((p) => `@grafana/${p}@${oldest}`).join(',');
  return { claim, oldest, targets };
}
