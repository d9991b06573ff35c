import type { Locator } from '@playwright/test';

import { Components } from './selectors';

/** Unfolds a query row's Options row (folded at first, as in Grafana's Prometheus editor). */
export async function openOptions(row: Locator): Promise<void> {
  const toggle = row.getByRole('button', { name: Components.QueryEditor.options });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') {
    await toggle.click();
  }
}
