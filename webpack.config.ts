/**
 * The scaffold's webpack configuration (.config/webpack), extended as create-plugin documents, for two files the
 * plugin carries that live outside src/:
 *
 * - the dashboards of plugin.json `includes` (the data source's Dashboards tab): made from the provisioned ones in
 *   provisioning/dashboards/ (src/provisioning/pluginDashboards.ts binds their data source variable to an input);
 * - the catalog screenshots of plugin.json `info.screenshots` (img/screenshots/<name>.png): docs/img/<name>.png,
 *   which `npm run screenshots` redraws.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import type { Configuration } from 'webpack';

import { copyFilePatterns } from './.config/bundler/copyFiles.ts';
import { getPackageJson, getPluginJson } from './.config/bundler/utils.ts';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';
import { includedDashboards, pluginDashboard } from './src/provisioning/pluginDashboards';

const root = process.cwd();

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  const pluginJson = getPluginJson();
  const meta = { ...pluginJson, info: { ...pluginJson.info, version: getPackageJson().version } };
  const screenshots: Array<{ path: string }> = pluginJson.info?.screenshots ?? [];
  const shotPaths = new Set(screenshots.map((s) => s.path));

  const patterns = [
    // The scaffold's patterns, except the screenshots: it would look for them in src/.
    ...copyFilePatterns.filter((p) => !shotPaths.has(p.from)),
    ...screenshots.map((s) => ({ from: path.resolve(root, 'docs', 'img', path.basename(s.path)), to: s.path })),
    ...includedDashboards(pluginJson).map((d) => ({
      from: path.resolve(root, 'provisioning', 'dashboards', path.basename(d.path)),
      to: d.path,
      transform: (content: Buffer) =>
        JSON.stringify(pluginDashboard(JSON.parse(content.toString()), meta), null, 2) + '\n',
    })),
  ];
  base.plugins = [
    ...(base.plugins ?? []).filter((p) => !(p instanceof CopyWebpackPlugin)),
    new CopyWebpackPlugin({ patterns }),
  ];
  if (base.cache && typeof base.cache === 'object' && base.cache.type === 'filesystem') {
    base.cache.buildDependencies = { config: [...(base.cache.buildDependencies?.config ?? []), __filename] };
  }
  return base;
};

export default config;
