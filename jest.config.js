// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const baseConfig = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

// The swc transformer configured by the scaffold for .ts/.tsx/.js/.jsx.
const swcTransform = Object.values(baseConfig.transform)[0];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...baseConfig,
  moduleNameMapper: {
    ...baseConfig.moduleNameMapper,
    // The browser build of react-dom/server needs MessageChannel, which jsdom lacks.
    '^react-dom/server$': 'react-dom/server.node',
  },
  transform: {
    ...baseConfig.transform,
    // d3-* packages pulled in by @grafana/ui 13 ship .mjs files.
    '^.+\\.mjs$': swcTransform,
  },
  // ESM-only packages pulled in by @grafana/* 13.x, on top of the scaffold's list.
  // A hang guard only: no test may depend on wall-clock speed, and the
  // machines tests run on are often loaded.
  testTimeout: 120_000,
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@react-hookz', '@ver0', 'd3-.*', '@marcbachmann'])],
};
