/**
 * The data source's settings are defined once, in Go — pkg/models JSONData (what every upstream shares),
 * GrafanaJSONData (Grafana's HTTP settings the editor writes) and each upstream's own JSONData and secure keys — and
 * written as a schema by the plugin SDK's schemabuilder (pkg/models/schema/v0alpha1/settings.json, TestSchema). This
 * test holds the frontend to it: MemshapeOptions' fields are the schema's jsonData keys, MemshapeSecureJsonData's the
 * secure values, the union types and defaults of src/types.ts the schema's enums and defaults, and the config editor
 * (ConfigEditor.tsx and each upstream's settings section) reads and writes exactly the schema's keys, each upstream's
 * own in that upstream's section only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

import { literals, memberLiterals, ownMembers, parseSource, ROOT, sorted } from './testing/typesSource';
import {
  DEFAULT_ANALYSIS_WINDOW,
  DEFAULT_CACHE_BYTES,
  DEFAULT_MAX_POINTS,
  DEFAULT_MAX_QUERY_BYTES,
  DEFAULT_MAX_SERIES,
  DEFAULT_TIME_INTERVAL,
  DEFAULT_UPSTREAM,
} from './types';
import { upstreamSpecs } from './upstreams';

const settings = JSON.parse(readFileSync(path.join(ROOT, 'pkg/models/schema/v0alpha1/settings.json'), 'utf8'));
const jsonData: Record<string, any> = settings.spec.properties.jsonData.properties;
const secureKeys: string[] = settings.secureValues.map((v: { key: string }) => v.key);

/**
 * The settings keys a config editor file names: jsonData.x, setJsonData({ x }), jsonData: { x }, for jsonData;
 * secretProps('x'), secureJsonData.x / secureJsonFields.x, secureJsonData: { x }, for secureJsonData.
 */
function editorKeys(file: string): { jsonData: Set<string>; secure: Set<string> } {
  const found = { jsonData: new Set<string>(), secure: new Set<string>() };
  const literalKeys = (obj: ts.Node, into: Set<string>) => {
    if (!ts.isObjectLiteralExpression(obj)) {
      return;
    }
    for (const p of obj.properties) {
      if ((ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && ts.isIdentifier(p.name)) {
        into.add(p.name.text);
      }
    }
  };
  const endsWith = (e: ts.Expression, name: string) =>
    (ts.isIdentifier(e) && e.text === name) || (ts.isPropertyAccessExpression(e) && e.name.text === name);
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node)) {
      if (endsWith(node.expression, 'jsonData')) {
        found.jsonData.add(node.name.text);
      } else if (endsWith(node.expression, 'secureJsonData') || endsWith(node.expression, 'secureJsonFields')) {
        found.secure.add(node.name.text);
      }
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      if (node.expression.text === 'setJsonData' && node.arguments[0]) {
        literalKeys(node.arguments[0], found.jsonData);
      }
      if (node.expression.text === 'secretProps' && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
        found.secure.add(node.arguments[0].text);
      }
    }
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name)) {
      if (node.name.text === 'jsonData') {
        literalKeys(node.initializer, found.jsonData);
      } else if (node.name.text === 'secureJsonData' || node.name.text === 'secureJsonFields') {
        literalKeys(node.initializer, found.secure);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(parseSource(file));
  return found;
}

const upstreams = upstreamSpecs();
/** Each upstream's settings section, by upstream: the component upstreams.ts names, in src/components. */
const sections = new Map(upstreams.map((u) => [u.id, editorKeys(`src/components/${u.settings.Editor.name}.tsx`)]));
const shared = editorKeys('src/components/ConfigEditor.tsx');
const all = {
  jsonData: sorted([...shared.jsonData, ...[...sections.values()].flatMap((s) => [...s.jsonData])]),
  secure: sorted([...shared.secure, ...[...sections.values()].flatMap((s) => [...s.secure])]),
};

describe('the data source settings, defined once in Go', () => {
  it('has exactly the jsonData keys MemshapeOptions declares', () => {
    expect(sorted(ownMembers('MemshapeOptions'))).toEqual(sorted(Object.keys(jsonData)));
  });

  it('has exactly the secure keys MemshapeSecureJsonData declares', () => {
    expect(sorted(ownMembers('MemshapeSecureJsonData'))).toEqual(sorted(secureKeys));
  });

  it('offers the upstreams of the Upstream type and of the upstream table', () => {
    expect(sorted(literals('Upstream'))).toEqual(sorted(jsonData.upstream.enum));
    expect(sorted(upstreams.map((u) => u.id))).toEqual(sorted(jsonData.upstream.enum));
  });

  it('gives the enums of the types: analysis windows, HTTP methods', () => {
    expect(sorted(literals('AnalysisWindow').filter((w) => w !== 'auto'))).toEqual(
      sorted(jsonData.analysisWindow.enum)
    );
    expect(sorted(memberLiterals('MemshapeOptions', 'httpMethod'))).toEqual(sorted(jsonData.httpMethod.enum));
  });

  it.each([
    ['upstream', DEFAULT_UPSTREAM],
    ['analysisWindow', DEFAULT_ANALYSIS_WINDOW],
    ['timeInterval', DEFAULT_TIME_INTERVAL],
    ['maxSeries', DEFAULT_MAX_SERIES],
    ['maxPoints', DEFAULT_MAX_POINTS],
    ['maxQueryBytes', DEFAULT_MAX_QUERY_BYTES],
    ['cacheBytes', DEFAULT_CACHE_BYTES],
  ])('defaults %s as the backend does', (key, value) => {
    expect(jsonData[key].default).toEqual(value);
  });
});

describe('the config editor, held to the settings schema', () => {
  it('reads and writes only the schema jsonData keys', () => {
    expect(all.jsonData.filter((k) => !(k in jsonData))).toEqual([]);
  });

  it('has a field for every jsonData key of Memory Shape and of each upstream', () => {
    const own = Object.keys(jsonData).filter((k) => !jsonData[k]['x-grafana']);
    expect(own.filter((k) => !all.jsonData.includes(k))).toEqual([]);
  });

  it("writes only the schema's secure keys", () => {
    expect(all.secure.filter((k) => !secureKeys.includes(k))).toEqual([]);
  });

  it.each(upstreams.map((u) => [u.id, u.label]))("names %s's own keys in its section only", (id, label) => {
    const mine = Object.keys(jsonData).filter((k) => jsonData[k]['x-upstream'] === id);
    const others = Object.keys(jsonData).filter((k) => jsonData[k]['x-upstream'] && jsonData[k]['x-upstream'] !== id);
    const section = sections.get(id)!;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((k) => !section.jsonData.has(k) && !shared.jsonData.has(k))).toEqual([]);
    expect(others.filter((k) => section.jsonData.has(k))).toEqual([]);
    // Its secure values are described "<label>: …" (the Go test writes them so).
    const secrets = settings.secureValues
      .filter((v: { description: string }) => v.description.startsWith(`${label}: `))
      .map((v: { key: string }) => v.key);
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.filter((k: string) => !section.secure.has(k))).toEqual([]);
  });
});
