/**
 * The panel the README pictures (docs/img/panel*.png, rendered by `npm run screenshots`) renders from the backend's
 * golden answers: the same component tree (src/testing/goldenPanels.tsx), here in jsdom. The legend must list
 * every series by the name the backend gave it — one row per series, the overlays drawn dashed in their series'
 * colour but kept out of the legend — the verdict table left out, and the query's notice in the title bar — so
 * the pictures cannot silently drift from the data.
 */
import { render, screen } from '@testing-library/react';
import React from 'react';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { graphableFrames, MemoryPanel, QueryDataBody, responseFrames } from './testing/goldenPanels';
import { legendRows, stubResizeObserver } from './testing/legend';

const GOLDEN_DIR = path.resolve(__dirname, '..', 'pkg', 'plugin', 'testdata', 'golden');

/** What the raw JSON says, read without Grafana's code: the frames of query A. */
interface RawField {
  name: string;
  type: string;
  labels?: Record<string, string>;
  config?: {
    displayNameFromDS?: string;
    color?: { fixedColor?: string };
    custom?: { lineStyle?: { fill?: string }; hideFrom?: { legend?: boolean } };
  };
}
interface RawFrame {
  schema: { name?: string; meta?: { notices?: Array<{ severity: string; text: string }> }; fields: RawField[] };
}

function golden(name: string): { body: QueryDataBody; frames: RawFrame[] } {
  const body = JSON.parse(readFileSync(path.join(GOLDEN_DIR, name), 'utf8'));
  return { body, frames: body.results.A.frames };
}

/** Each time series frame's value field and the name the backend gave it. */
function seriesOf(frames: RawFrame[]) {
  return frames
    .filter((f) => f.schema.fields.some((x) => x.type === 'time'))
    .map((f) => f.schema.fields.find((x) => x.type === 'number')!)
    .map((value) => ({
      name: value.config!.displayNameFromDS!,
      overlay: value.labels?.memshape_overlay,
      dashed: ['dash', 'dot'].includes(value.config?.custom?.lineStyle?.fill ?? ''),
      hidden: !!value.config?.custom?.hideFrom?.legend,
      colour: value.config?.color?.fixedColor,
    }));
}

beforeAll(stubResizeObserver);

describe.each(['panel-all-3d.json', 'panel-series-forecast.json'])('the README panel from %s', (file) => {
  const { body, frames } = golden(file);
  const series = seriesOf(frames);

  beforeEach(() => {
    render(<MemoryPanel body={body} title="Memory — prod" width={1280} height={480} />);
  });

  it('has series, overlays and a verdict to show (the golden is what the picture needs)', () => {
    expect(series.filter((s) => s.overlay)).not.toHaveLength(0);
    expect(series.filter((s) => / · LEAK$/.test(s.name))).not.toHaveLength(0);
    if (file === 'panel-series-forecast.json') {
      expect(series.filter((s) => s.overlay === 'forecast')).not.toHaveLength(0);
    }
  });

  it('lists every series in the legend by the name the backend gave it, in order, and no overlay', () => {
    expect(legendRows().map((r) => r.name)).toEqual(series.filter((s) => !s.overlay).map((s) => s.name));
    expect(series.filter((s) => s.overlay).every((s) => s.hidden)).toBe(true);
  });

  it('shows the leak verdicts in the legend', () => {
    const names = legendRows().map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'leak-1 · LEAK',
        'leak-restart · LEAK',
        // The trap is fragmentation under bloat's jumps: either name is right (the labelled corpus accepts both).
        expect.stringMatching(/^trap · (FRAGMENTATION|BLOAT)$/),
      ])
    );
  });

  it("draws the overlays dashed in their series' colour, as their field config says, and the series solid", () => {
    const rows = legendRows();
    for (const s of series) {
      // The forecast's band edges draw no line (the band between them is shaded: src/forecastBand.test.ts).
      const bandEdge = s.overlay === 'forecast_lower' || s.overlay === 'forecast_upper';
      expect(s.dashed).toBe(!!s.overlay && !bandEdge);
      if (!s.overlay) {
        const row = rows.find((r) => r.name === s.name)!;
        expect({ name: s.name, dashed: row.dashed }).toEqual({ name: s.name, dashed: false });
        continue;
      }
      const parent = series.find(
        (p) => !p.overlay && p.name.replace(/ · (LEAK|FRAGMENTATION|BLOAT)$/, '') === s.name.replace(/ · [^·]+$/, '')
      );
      expect(parent?.colour).toBeDefined();
      expect(s.colour).toBe(parent!.colour);
    }
  });

  it('leaves frames without a time field (the verdict table) out of the time series panel', () => {
    const all = responseFrames(body);
    const drawn = graphableFrames(all);
    expect(drawn.map((f) => f.name)).not.toContain('verdicts');
    expect(drawn).toHaveLength(series.length);
    if (file === 'panel-all-3d.json') {
      expect(all.map((f) => f.name)).toContain('verdicts');
    }
  });

  it("shows the query's notice in the title bar as a warning", () => {
    const notice = frames[0].schema.meta!.notices![0];
    expect(notice.severity).toBe('warning');
    expect(screen.getByTestId('panel-notice-warning')).toHaveAttribute('aria-label', notice.text);
  });
});
