import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { DataSource } from '../datasource';
import { instanceSettings } from '../testing/instanceSettings';
import { AnnotationQueryEditor } from './AnnotationQueryEditor';
import { VariableQueryEditor } from './VariableQueryEditor';

jest.mock('@grafana/ui', () => ({
  ...jest.requireActual('@grafana/ui'),
  CodeEditor: jest.requireActual('../testing/FakeCodeEditor').FakeCodeEditor,
}));

jest.setTimeout(60_000); // a hang guard only

describe('VariableQueryEditor', () => {
  it('sets the query from a clickable example or from the field on blur', async () => {
    const user = userEvent.setup({ delay: null });
    const onChange = jest.fn();
    const datasource = new DataSource(instanceSettings());
    render(
      <VariableQueryEditor
        datasource={datasource}
        query={{ refId: 'v', query: '' }}
        onChange={onChange}
        onRunQuery={() => {}}
      />
    );
    await user.click(screen.getByText('label_values(kube_pod_info, namespace)'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', query: 'label_values(kube_pod_info, namespace)' });
    expect(
      screen.getByText('label_values(container_memory_working_set_bytes{namespace="$namespace"}, pod)')
    ).toBeInTheDocument();
    expect(screen.getByText('metrics(memory)')).toBeInTheDocument();

    const field = screen.getByLabelText('Query');
    await user.clear(field);
    await user.click(field);
    await user.paste('label_values(pod)');
    await user.tab();
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', query: 'label_values(pod)' });
  });

  it('offers label_names() for Prometheus', async () => {
    const user = userEvent.setup({ delay: null });
    const onChange = jest.fn();
    render(
      <VariableQueryEditor
        datasource={new DataSource(instanceSettings())}
        query={{ refId: 'v', query: '' }}
        onChange={onChange}
        onRunQuery={() => {}}
      />
    );
    await user.click(screen.getByText('label_names()'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', query: 'label_names()' });
  });

  it("offers a Datadog data source's own forms: metric names and tag values", async () => {
    const user = userEvent.setup({ delay: null });
    const onChange = jest.fn();
    const datasource = new DataSource(instanceSettings({ upstream: 'datadog' }));
    render(
      <VariableQueryEditor
        datasource={datasource}
        query={{ refId: 'v', query: '' }}
        onChange={onChange}
        onRunQuery={() => {}}
      />
    );
    expect(screen.queryByText(/label_values/)).not.toBeInTheDocument();
    expect(screen.getByLabelText('Query')).toHaveAttribute(
      'placeholder',
      'tag_values(kubernetes.memory.usage, kube_namespace)'
    );
    await user.click(screen.getByText('tag_values(kubernetes.memory.usage, kube_namespace)'));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'v',
      query: 'tag_values(kubernetes.memory.usage, kube_namespace)',
    });
    expect(screen.getByText('metrics(^kubernetes\\.memory)')).toBeInTheDocument();
    expect(screen.getByText('tag_values(env)')).toBeInTheDocument();
  });
});

describe('AnnotationQueryEditor', () => {
  it('is the query editor without the output choice (always events)', async () => {
    const user = userEvent.setup({ delay: null });
    const datasource = new DataSource(instanceSettings());
    render(
      <AnnotationQueryEditor
        datasource={datasource}
        query={{ refId: 'Anno', expr: 'process_resident_memory_bytes', output: 'annotations' }}
        onChange={() => {}}
        onRunQuery={() => {}}
      />
    );
    expect(screen.getByLabelText('Query', { selector: 'textarea' })).toHaveValue('process_resident_memory_bytes');
    expect(screen.getByText('Events of: All series')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /^Options/ }));
    expect(screen.getByRole('radiogroup', { name: 'Events of' })).toBeInTheDocument();
    expect(screen.queryByRole('radiogroup', { name: 'Output' })).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Verdicts')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Leak confidence')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Min step')).not.toBeInTheDocument();
  });
});
