import type { PluginOptions } from '@grafana/plugin-e2e';
import { defineConfig, devices, type PlaywrightTestConfig } from '@playwright/test';
import { dirname } from 'node:path';

import { CHROMIUM_ARGS, chromiumExecutable } from './tests/chromium';

const pluginE2eAuth = `${dirname(require.resolve('@grafana/plugin-e2e'))}/auth`;

/** The Grafana server under test, e.g. http://localhost:3000 after `docker compose up`. Without it every test skips. */
const grafanaUrl = process.env.GRAFANA_URL;

/**
 * Browsers are never downloaded: use the system Chromium (Debian package `chromium`) or the one named by
 * PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH.
 */
const chromium = {
  ...devices['Desktop Chrome'],
  launchOptions: { executablePath: chromiumExecutable(), args: CHROMIUM_ARGS },
};

const projects: PlaywrightTestConfig<PluginOptions>['projects'] = grafanaUrl
  ? [
      // 1. Log in to Grafana and store the cookie on disk for use in other tests.
      { name: 'auth', testDir: pluginE2eAuth, testMatch: [/.*\.js/], use: chromium },
      // 2. Run the tests in Chromium, authenticated as the admin user.
      {
        name: 'chromium',
        use: { ...chromium, storageState: 'playwright/.auth/admin.json' },
        dependencies: ['auth'],
      },
    ]
  : // No server: the specs skip themselves, so there is nothing to log in to.
    [{ name: 'chromium', use: chromium }];

/**
 * See https://playwright.dev/docs/test-configuration.
 */
export default defineConfig<PluginOptions>({
  testDir: './tests',
  globalSetup: require.resolve('./tests/global-setup'),
  fullyParallel: true,
  /* Fail the build on CI if you accidentally left test.only in the source code. */
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 2 : 0,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: grafanaUrl || 'http://localhost:3000',
    trace: 'on-first-retry',
  },
  projects,
});
