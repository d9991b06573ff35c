import { existsSync } from 'node:fs';

/**
 * Debian's Chromium (apt-get install chromium), the browser for the e2e specs and the docs screenshots: test
 * tools must never download a browser of their own. PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH (or CHROMIUM) overrides.
 */
export function chromiumExecutable(): string | undefined {
  return (
    process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH ||
    process.env.CHROMIUM ||
    (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
  );
}

/** Headless, as root, and quiet on a machine whose network reaches only package registries. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
