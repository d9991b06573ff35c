/**
 * Reading a rendered @grafana/ui time series panel in jsdom, for the tests of the pictures' panels
 * (src/goldenPanels.test.tsx, src/demoDashboard.test.tsx). Not part of the plugin bundle.
 */
import { within } from '@testing-library/react';

/** The legend's rows: the label of each and whether its line sample is dashed, as @grafana/ui draws them. */
export function legendRows(container: HTMLElement = document.body) {
  const legend = within(container).getByTestId('data-testid viz-layout-legend');
  return within(legend)
    .getAllByRole('row')
    .filter((row) => within(row).queryByTestId('series-icon'))
    .map((row) => {
      const icon = within(row).getByTestId('series-icon') as HTMLElement;
      return {
        name: within(row).getByRole('button').getAttribute('title')!,
        // SeriesIcon draws a dashed sample as a repeated dash (background-size), a solid line as a pill.
        dashed: icon.style.backgroundSize !== '' && icon.style.borderRadius === '',
      };
    });
}

/**
 * jsdom has no ResizeObserver; PanelChrome's title measures itself with one. Nothing resizes here, so it never
 * reports — and the plot, sized by what the layout measures, stays undrawn (jsdom has no canvas either): the
 * legend and title bar are what the tests read.
 */
export function stubResizeObserver() {
  class ResizeObserverStub {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  Object.defineProperty(window, 'ResizeObserver', { writable: true, configurable: true, value: ResizeObserverStub });
}
