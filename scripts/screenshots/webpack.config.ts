/**
 * Bundles the screenshot preview (preview.tsx) into a self-contained page in ./dist: React, @grafana/ui and
 * everything else bundled in (no Grafana externals), plus what @grafana/ui fetches at run time: its icons and the
 * Inter font.
 *
 *   webpack -c scripts/screenshots/webpack.config.ts
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import { existsSync } from 'fs';
import path from 'path';
import webpack, { type Configuration } from 'webpack';

const root = path.resolve(__dirname, '..', '..');
const dist = path.resolve(__dirname, 'dist');

// Grafana serves Inter from public/fonts/inter/*.woff2, which are not on npm. Use the system's Inter instead
// (Debian/Ubuntu: apt-get install fonts-inter); Chromium accepts OpenType data under those .woff2 names.
const interDir = process.env.INTER_FONT_DIR || '/usr/share/fonts/opentype/inter';
const INTER_FACES = ['Regular', 'Medium', 'Italic', 'MediumItalic'];
for (const face of INTER_FACES) {
  if (!existsSync(path.join(interDir, `Inter-${face}.otf`))) {
    throw new Error(
      `${interDir}/Inter-${face}.otf is missing: install the Inter font (apt-get install fonts-inter) ` +
        'or point INTER_FONT_DIR at a folder of Inter-*.otf files.'
    );
  }
}

// Grafana's code font (Roboto Mono, public/fonts/roboto/<hash>.woff2) is not on npm either: serve a system
// monospace font under that name (Debian: fonts-dejavu-core), or the file named by MONO_FONT_FILE.
const MONO_FONT_URL = 'public/fonts/roboto/L0xTDF4xlVMF-BfR8bXMIhJHg45mwgGEFl0_3vrtSM1J-gEPT5Ese6hmHSh0mQ.woff2';
const monoFont = process.env.MONO_FONT_FILE || '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
if (!existsSync(monoFont)) {
  throw new Error(`${monoFont} is missing: install fonts-dejavu-core or point MONO_FONT_FILE at a monospace font.`);
}

const config: Configuration = {
  mode: 'production',
  context: __dirname,
  entry: { preview: './preview.tsx' },
  devtool: false,
  target: 'web',
  performance: { hints: false },
  stats: 'minimal',
  optimization: { minimize: false },
  module: {
    rules: [
      {
        exclude: /node_modules/,
        test: /\.[tj]sx?$/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              baseUrl: path.resolve(root, 'src'),
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
            },
          },
        },
      },
      {
        // ESM packages (d3-*, @grafana/*) use extension-less imports.
        test: /\.m?js$/,
        resolve: { fullySpecified: false },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/resource' },
    ],
  },
  output: {
    path: dist,
    filename: '[name].js',
    chunkFilename: '[name].js',
    publicPath: '',
    clean: true,
  },
  plugins: [
    new webpack.DefinePlugin({ 'process.env.NODE_ENV': JSON.stringify('production') }),
    new CopyWebpackPlugin({
      patterns: [
        { from: path.resolve(__dirname, 'index.html'), to: 'index.html' },
        {
          // @grafana/ui's <Icon> fetches public/build/img/icons/<dir>/<name>.svg relative to the page.
          from: path.resolve(root, 'node_modules/@grafana/ui/dist/public/img/icons'),
          to: 'public/build/img/icons',
        },
        // The loading spinner @grafana/ui shows while Monaco loads (not among its packaged icons).
        { from: path.resolve(__dirname, 'spinner.svg'), to: 'public/build/img/icons/unicons/spinner.svg' },
        {
          // The time range picker's "move backwards" arrow (not among the packaged icons either): the packaged
          // "move forwards" arrow, mirrored.
          from: path.resolve(root, 'node_modules/@grafana/ui/dist/public/img/icons/unicons/angle-double-right.svg'),
          to: 'public/build/img/icons/unicons/angle-double-left.svg',
          transform: (content: Buffer) =>
            content.toString().replace(/<path /, '<path transform="matrix(-1 0 0 1 24 0)" '),
        },
        { from: monoFont, to: MONO_FONT_URL },
        ...INTER_FACES.map((face) => ({
          from: path.join(interDir, `Inter-${face}.otf`),
          to: `public/fonts/inter/Inter-${face}.woff2`,
        })),
      ],
    }),
  ],
  resolve: {
    extensions: ['.js', '.jsx', '.ts', '.tsx', '.mjs'],
    modules: [path.resolve(root, 'src'), 'node_modules'],
  },
};

export default config;
