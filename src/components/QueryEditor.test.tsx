import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { DataSource } from '../datasource';
import { MemshapeQuery } from '../types';
import { QueryEditor } from './QueryEditor';

const datasource = { upstream: 'prometheus' } as unknown as DataSource;

/** Renders the editor as Grafana does: the query follows onChange. */
function renderEditor(initial: MemshapeQuery) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={datasource}
        onRunQuery={onRunQuery}
        onChange={(next) => {
          onChange(next);
          setQuery(next);
        }}
      />
    );
  }
  render(<Harness />);
  const lastQuery = (): MemshapeQuery => onChange.mock.calls[onChange.mock.calls.length - 1][0];
  return { onChange, onRunQuery, lastQuery };
}

describe('QueryEditor', () => {
  it('edits the expression and runs the query on blur', async () => {
    const { lastQuery, onRunQuery } = renderEditor({ refId: 'A', expr: '' });
    await userEvent.type(screen.getByLabelText('Query'), 'process_resident_memory_bytes');
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'process_resident_memory_bytes' });
    expect(onRunQuery).not.toHaveBeenCalled();
    await userEvent.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('edits the legend format', async () => {
    const { lastQuery } = renderEditor({ refId: 'A', expr: 'up' });
    await userEvent.type(screen.getByLabelText('Legend'), '{{{{pod}}');
    expect(lastQuery().legendFormat).toBe('{{pod}}');
  });

  it.each([
    ['2GiB', 2147483648],
    ['512MiB', 536870912],
    ['1.5e9', 1500000000],
  ])('parses a memory limit of %p into bytes', async (text, bytes) => {
    const { lastQuery, onRunQuery } = renderEditor({ refId: 'A', expr: 'up' });
    await userEvent.type(screen.getByLabelText('Memory limit'), text);
    await userEvent.tab();
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'up', limitBytes: bytes });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows an error for an invalid limit and does not change the query', async () => {
    const { onChange, onRunQuery } = renderEditor({ refId: 'A', expr: 'up' });
    await userEvent.type(screen.getByLabelText('Memory limit'), 'lots');
    await userEvent.tab();
    expect(onChange).not.toHaveBeenCalled();
    expect(onRunQuery).not.toHaveBeenCalled();
    expect(screen.getByText(/Not a size/)).toBeInTheDocument();
  });

  it('shows a stored limit in binary units and clears it', async () => {
    const { lastQuery } = renderEditor({ refId: 'A', expr: 'up', limitBytes: 2147483648 });
    const limit = screen.getByLabelText('Memory limit');
    expect(limit).toHaveValue('2GiB');
    await userEvent.clear(limit);
    await userEvent.tab();
    expect(lastQuery().limitBytes).toBeUndefined();
  });

  it('sets sensitivity and output and runs the query', async () => {
    const { lastQuery, onRunQuery } = renderEditor({ refId: 'A', expr: 'up' });
    expect(screen.getByRole('radio', { name: 'Normal' })).toBeChecked();
    expect(screen.getByRole('radio', { name: 'All' })).toBeChecked();

    await userEvent.click(screen.getByRole('radio', { name: 'High' }));
    expect(lastQuery().sensitivity).toBe('high');
    await userEvent.click(screen.getByRole('radio', { name: 'Verdicts' }));
    expect(lastQuery()).toEqual({ refId: 'A', expr: 'up', sensitivity: 'high', output: 'verdicts' });
    expect(onRunQuery).toHaveBeenCalledTimes(2);
    await userEvent.click(screen.getByRole('radio', { name: 'Alert' }));
    expect(lastQuery().output).toBe('alert');
  });
});
