/**
 * Photographs the preview page built by ./webpack.config.ts into docs/img/*.png.
 *
 *   npm run screenshots          (builds, then runs this)
 *
 * Serves scripts/screenshots/dist on 127.0.0.1 (the page fetches @grafana/ui's icons, which file:// would block),
 * opens it in the system Chromium with playwright-core and takes an element screenshot of each panel (for a panel
 * whose notice tooltip is open, of the panel and the tooltip above it).
 * CHROMIUM (default /usr/bin/chromium) picks another browser binary.
 */
import { createReadStream, promises as fs } from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import path from 'path';
import { chromium, Locator } from 'playwright-core';

import { CHROMIUM_ARGS, chromiumExecutable } from '../../tests/chromium';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.resolve(__dirname, 'dist');
const OUT = path.resolve(ROOT, 'docs', 'img');
const PANELS = [
  // Dashboard panels drawn from the backend's golden answers (src/testing/goldenPanels.tsx).
  'panel',
  'panel-forecast',
  'verdict-table',
  'alert-numbers',
  // The "Memory shapes — fleet" dashboard on the demo workload (src/testing/DemoDashboard.tsx).
  'demo-dashboard',
  'config-editor-prometheus',
  'config-editor-datadog',
  'query-editor',
  'query-editor-options',
  'query-editor-alert',
  'query-editor-completion',
  'query-editor-datadog',
];
/** Editors photographed with their Options row unfolded (it starts folded, as in Grafana's Prometheus editor). */
const UNFOLDED = new Set(['query-editor-options', 'query-editor-alert']);
/** Editors photographed with the suggestions Ctrl+Space opens at the end of the query. */
const COMPLETING = new Set(['query-editor-completion', 'query-editor-datadog']);
const MAX_BYTES = 200 * 1024;
/** A whole dashboard is several panels' worth of pixels. */
const MAX_BYTES_BY_NAME: Record<string, number> = { 'demo-dashboard': 600 * 1024 };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A static file server for DIST on an ephemeral port of 127.0.0.1. */
async function serve(): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = path.join(DIST, urlPath === '/' ? 'index.html' : urlPath);
    const stat = file.startsWith(DIST + path.sep) ? await fs.stat(file).catch(() => undefined) : undefined;
    if (!stat?.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The box of the open tooltip of the notice icon in `panel`: the tooltip that ends just above that icon. */
async function noticeTooltipBox(panel: Locator) {
  return panel
    .locator('[data-testid^="panel-notice-"]')
    .first()
    .evaluate((icon) => {
      const anchor = icon.getBoundingClientRect();
      const tips = [...document.querySelectorAll('[role="tooltip"]')].map((t) => t.getBoundingClientRect());
      const tip = tips.find((t) => t.bottom <= anchor.top + 1 && anchor.top - t.bottom < 24 && t.left <= anchor.right);
      if (!tip) {
        throw new Error('the notice tooltip is not open above its icon');
      }
      return { x: tip.x, y: tip.y, width: tip.width, height: tip.height };
    });
}

async function main() {
  await fs.access(path.join(DIST, 'index.html')).catch(() => {
    throw new Error(`${DIST}/index.html is missing: build it first (npm run screenshots does).`);
  });
  await fs.mkdir(OUT, { recursive: true });

  const server = await serve();
  const browser = await chromium.launch({
    executablePath: chromiumExecutable() ?? '/usr/bin/chromium',
    args: [
      ...CHROMIUM_ARGS,
      // Same glyphs on every machine: no subpixel (coloured) anti-aliasing.
      '--disable-lcd-text',
      '--font-render-hinting=none',
    ],
  });
  try {
    // Wide enough for the 1600-pixel dashboard and the page's padding.
    const page = await browser.newPage({ viewport: { width: 1700, height: 900 }, deviceScaleFactor: 1 });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push(`console error: ${message.text()}`);
      }
    });
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) {
        problems.push(`HTTP ${response.status()}: ${response.url()}`);
      }
    });

    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'networkidle' });
    for (const name of PANELS) {
      await page
        .locator(`[data-screenshot="${name}"]`)
        .waitFor({ state: 'visible' })
        .catch((error: Error) => {
          // Say why the page did not draw it, when it said (e.g. an answer the preview does not import).
          throw new Error([`${name} was not drawn: ${error.message}`, ...problems].join('\n  '));
        });
    }
    for (const name of UNFOLDED) {
      await page
        .locator(`[data-screenshot="${name}"]`)
        .getByRole('button', { name: /^Options/ })
        .click();
    }
    // Every icon fetched and inlined, fonts loaded, no animation half-way.
    await page.waitForFunction(() => document.querySelectorAll('div[class*="Icon"], span[class*="Icon"]').length === 0);
    await page.evaluate(() => document.fonts.ready);
    await page.mouse.move(0, 0);

    // uPlot has drawn every time series panel, the dashboard's table has its rows.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-screenshot^="panel"], [data-screenshot="demo-dashboard"]')].every((panel) =>
        panel.querySelector('.u-over')
      )
    );
    await page.locator('[data-screenshot="demo-dashboard"] [role="row"]').nth(5).waitFor({ state: 'visible' });
    // Monaco draws the code fields (PromQL highlighting) once it has loaded.
    await page.waitForFunction(() => document.querySelectorAll('.monaco-editor[role="code"]').length >= 7);
    if (problems.length > 0) {
      throw new Error(`the preview did not render cleanly:\n  ${problems.join('\n  ')}`);
    }

    for (const name of PANELS) {
      const file = path.join(OUT, `${name}.png`);
      const panel = page.locator(`[data-screenshot="${name}"]`);
      if (COMPLETING.has(name)) {
        // Monaco draws its suggestions as a fixed-position overlay: bring the panel into view, ask for
        // suggestions after `pod=` as a user would (Ctrl+Space), and photograph that part of the page as it is.
        await panel.evaluate((element) => element.scrollIntoView({ block: 'start' }));
        await panel.locator('.monaco-editor[role="code"]').first().click();
        await page.keyboard.press('End');
        await page.keyboard.press('Control+Space');
        await page.locator('.suggest-widget.visible .monaco-list-row').first().waitFor({ state: 'visible' });
        const box = (await panel.boundingBox())!;
        await page.screenshot({ path: file, clip: box, animations: 'disabled' });
      } else if (name.startsWith('panel') && (await panel.locator('[data-testid^="panel-notice-"]').count()) > 0) {
        // The notice's tooltip is open above the title bar (in a portal): photograph panel and tooltip together.
        await panel.evaluate((element) => element.parentElement!.scrollIntoView({ block: 'start' }));
        const box = (await panel.boundingBox())!;
        const tip = await noticeTooltipBox(panel);
        const top = Math.min(box.y, tip.y) - 8;
        const clip = { x: box.x, y: top, width: box.width, height: box.y + box.height - top };
        await page.screenshot({ path: file, clip, animations: 'disabled' });
      } else {
        await panel.screenshot({ path: file, animations: 'disabled' });
      }
      const { size } = await fs.stat(file);
      console.log(`${path.relative(ROOT, file)}  ${(size / 1024).toFixed(1)} KiB`);
      const budget = MAX_BYTES_BY_NAME[name] ?? MAX_BYTES;
      if (size >= budget) {
        throw new Error(`${file} is ${size} bytes, over the ${budget}-byte budget`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
