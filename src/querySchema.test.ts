/**
 * The query model is defined once, in Go (pkg/models QueryModel), and written as a JSON schema by the plugin SDK's
 * schemabuilder (pkg/models/schema/v0alpha1/query.types.json, TestSchema). This test holds the frontend to it:
 * MemshapeQuery's own fields are the schema's properties, each string union type in src/types.ts is the schema's
 * enum for its field, and the editor's option lists offer exactly those values.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
  ALERT_VALUE_OPTIONS,
  ANNOTATE_OPTIONS,
  JUDGE_BY_OPTIONS,
  OUTPUT_OPTIONS,
  SENSITIVITY_OPTIONS,
  WINDOW_OPTIONS,
} from './options';
import { literals, ownMembers, ROOT } from './testing/typesSource';

const types = JSON.parse(readFileSync(path.join(ROOT, 'pkg/models/schema/v0alpha1/query.types.json'), 'utf8'));
const schema = types.items[0].spec.schema;
const properties: Record<string, any> = schema.properties;

const sorted = (xs: string[]) => [...xs].sort();
const values = (options: Array<{ value?: string }>) => options.map((o) => o.value!);

describe('the query model, defined once in Go', () => {
  it('has exactly the fields MemshapeQuery declares', () => {
    expect(sorted(ownMembers('MemshapeQuery'))).toEqual(sorted(Object.keys(properties)));
  });

  it.each([
    ['sensitivity', 'Sensitivity', SENSITIVITY_OPTIONS],
    ['output', 'OutputMode', OUTPUT_OPTIONS],
    ['alertValue', 'AlertValue', ALERT_VALUE_OPTIONS],
    ['analysisWindow', 'AnalysisWindow', WINDOW_OPTIONS],
    ['annotate', 'AnnotateMode', ANNOTATE_OPTIONS],
  ])('gives %s the values of the %s type and of its option list', (field, type, options) => {
    const allowed: string[] = properties[field].enum;
    expect(allowed.length).toBeGreaterThan(1);
    expect(sorted(literals(type))).toEqual(sorted(allowed));
    expect(sorted(values(options))).toEqual(sorted(allowed));
  });

  it('takes groupBy as a mode (the GroupMode type, the Judge by choices) or a list of label names', () => {
    const [mode, labels] = properties.groupBy.oneOf;
    expect(sorted(literals('GroupMode'))).toEqual(sorted(mode.enum));
    expect(sorted(values(JUDGE_BY_OPTIONS).filter((v) => v !== 'labels'))).toEqual(sorted(mode.enum));
    expect(labels).toEqual({ type: 'array', items: { type: 'string' } });
  });

  it('takes ad hoc filters with the fields AdhocFilter declares', () => {
    expect(sorted(ownMembers('AdhocFilter'))).toEqual(sorted(Object.keys(properties.adhocFilters.items.properties)));
  });
});
