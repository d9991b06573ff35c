/**
 * A series isolated with a click on its legend entry stays isolated when the panel refreshes.
 *
 * A click on a legend entry makes Grafana save a field override (seriesVisibilityConfigFactory in Grafana's
 * time series panel): every field whose display name is not the clicked one is hidden (matcher `byNames`, mode
 * `exclude`, `custom.hideFrom.viz`). It matches by display name, so a name that changes between refreshes — a
 * growth rate or a time to the limit in it — would hide every series of the next answer. Here the override is
 * written from one answer and applied, with @grafana/data's applyFieldOverrides, to the same panel's answer an
 * hour later (pkg/plugin/testdata/golden/workloads-shop-series-6h*.json: the churned cluster's pods).
 */
import {
  applyFieldOverrides,
  createTheme,
  DataFrame,
  FieldConfigSource,
  FieldMatcherID,
  FieldType,
  getFieldDisplayName,
} from '@grafana/data';
import { toDataQueryResponse } from '@grafana/runtime';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { fieldConfigRegistry } from './testing/goldenPanels';

const GOLDEN_DIR = path.resolve(__dirname, '..', 'pkg', 'plugin', 'testdata', 'golden');

function answer(name: string, fieldConfig: FieldConfigSource): DataFrame[] {
  const body = JSON.parse(readFileSync(path.join(GOLDEN_DIR, name), 'utf8'));
  const response = toDataQueryResponse({ data: body } as never);
  return applyFieldOverrides({
    data: response.data as DataFrame[],
    fieldConfig,
    // The time series panel's options, custom.hideFrom among them: applyFieldOverrides applies only those.
    fieldConfigRegistry: fieldConfigRegistry(fieldConfig),
    replaceVariables: (value: string) => value,
    theme: createTheme(),
    timeZone: 'utc',
  });
}

/** What a click on the legend entry `name` saves (Grafana's seriesVisibilityConfigFactory, mode ToggleSelection). */
function isolate(name: string): FieldConfigSource {
  return {
    defaults: {},
    overrides: [
      {
        // Grafana's own marker of the override a legend click writes (not in the public type).
        ...({ __systemRef: 'hideSeriesFrom' } as object),
        matcher: {
          id: FieldMatcherID.byNames,
          options: { mode: 'exclude', names: [name], prefix: 'All except:', readOnly: true },
        },
        properties: [{ id: 'custom.hideFrom', value: { viz: true, legend: false, tooltip: false } }],
      },
    ],
  };
}

/** The display names of the series drawn (not hidden) in an answer. */
function drawn(frames: DataFrame[]): string[] {
  const out: string[] = [];
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      if (!field.config.custom?.hideFrom?.viz && !field.labels?.memshape_overlay) {
        out.push(getFieldDisplayName(field, frame, frames));
      }
    }
  }
  return out;
}

describe('a series isolated in the legend', () => {
  const plain = { defaults: {}, overrides: [] };
  const before = answer('workloads-shop-series-6h-hour-before.json', plain);
  const now = answer('workloads-shop-series-6h.json', plain);

  it('has names that stay the same from one refresh to the next', () => {
    const a = new Set(drawn(before));
    const b = new Set(drawn(now));
    const shared = [...a].filter((n) => b.has(n));
    // The pods alive across both answers: most of them, named alike.
    expect(shared.length).toBeGreaterThan(Math.min(a.size, b.size) / 2);
  });

  it('stays isolated, alone, an hour later', () => {
    // A leaking pod alive in both answers.
    const target = drawn(before).find((n) => / · LEAK$/.test(n) && drawn(now).includes(n));
    expect(target).toBeDefined();
    const override = isolate(target!);
    expect(drawn(answer('workloads-shop-series-6h-hour-before.json', override))).toEqual([target]);
    expect(drawn(answer('workloads-shop-series-6h.json', override))).toEqual([target]);
  });
});
