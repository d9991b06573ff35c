import { DataSourceInstanceSettings, PluginType } from '@grafana/data';

import { DataSource } from './datasource';
import { DEFAULT_QUERY, MemshapeOptions, MemshapeQuery } from './types';

const replace = jest.fn((text: string, scopedVars?: Record<string, { value: unknown }>) =>
  text.replace(/\$(\w+)/g, (whole, name: string) => {
    const vars: Record<string, string> = { job: 'api', pod: 'api-0', ...fromScoped(scopedVars) };
    return vars[name] ?? whole;
  })
);

function fromScoped(scopedVars?: Record<string, { value: unknown }>): Record<string, string> {
  return Object.fromEntries(Object.entries(scopedVars ?? {}).map(([k, v]) => [k, String(v.value)]));
}

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ replace }),
}));

const settings: DataSourceInstanceSettings<MemshapeOptions> = {
  uid: 'memshape',
  type: 'memshape-memory-datasource',
  name: 'Memory Shape',
  access: 'proxy',
  readOnly: false,
  jsonData: { upstream: 'prometheus' },
  meta: {
    id: 'memshape-memory-datasource',
    name: 'Memory Shape',
    type: PluginType.datasource,
    module: '',
    baseUrl: '',
    info: {
      author: { name: 'Memory Shape' },
      description: '',
      links: [],
      logos: { small: '', large: '' },
      screenshots: [],
      updated: '',
      version: '',
    },
  },
};

const query = (overrides: Partial<MemshapeQuery>): MemshapeQuery => ({ refId: 'A', expr: '', ...overrides });

describe('DataSource', () => {
  const ds = new DataSource(settings);

  beforeEach(() => replace.mockClear());

  it('returns the default query', () => {
    expect(ds.getDefaultQuery('explore' as never)).toEqual(DEFAULT_QUERY);
    expect(DEFAULT_QUERY).toEqual({ expr: '', sensitivity: 'normal', output: 'all' });
  });

  it('can be used as an annotation source', () => {
    expect(ds.annotations).toEqual({});
  });

  describe('filterQuery', () => {
    it('drops queries without an expression', () => {
      expect(ds.filterQuery(query({ expr: '' }))).toBe(false);
      expect(ds.filterQuery(query({ expr: '   ' }))).toBe(false);
      expect(ds.filterQuery({ refId: 'A' } as MemshapeQuery)).toBe(false);
    });

    it('drops hidden queries', () => {
      expect(ds.filterQuery(query({ expr: 'up', hide: true }))).toBe(false);
    });

    it('keeps queries with an expression', () => {
      expect(ds.filterQuery(query({ expr: 'process_resident_memory_bytes' }))).toBe(true);
    });
  });

  describe('applyTemplateVariables', () => {
    it('replaces variables in expr and legendFormat and keeps the other fields', () => {
      const result = ds.applyTemplateVariables(
        query({
          expr: 'container_memory_working_set_bytes{job="$job",pod="$pod"}',
          legendFormat: '$pod / $container',
          limitBytes: 1024,
          sensitivity: 'high',
          output: 'verdicts',
        }),
        { container: { text: 'app', value: 'app' } }
      );
      expect(result).toEqual({
        refId: 'A',
        expr: 'container_memory_working_set_bytes{job="api",pod="api-0"}',
        legendFormat: 'api-0 / app',
        limitBytes: 1024,
        sensitivity: 'high',
        output: 'verdicts',
      });
      expect(replace).toHaveBeenCalledTimes(2);
    });

    it('leaves an absent legendFormat absent', () => {
      const result = ds.applyTemplateVariables(query({ expr: 'up{job="$job"}' }), {});
      expect(result.expr).toBe('up{job="api"}');
      expect(result.legendFormat).toBeUndefined();
      expect(replace).toHaveBeenCalledTimes(1);
    });
  });
});
