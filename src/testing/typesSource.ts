/**
 * Reads src/types.ts with TypeScript's own parser, for the tests that hold its types to the schemas the Go code
 * writes (src/querySchema.test.ts, src/settingsSchema.test.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const ROOT = path.resolve(__dirname, '../..');

/** A file of the repository, parsed. */
export function parseSource(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

const types = parseSource('src/types.ts');

function interfaceDecl(name: string): ts.InterfaceDeclaration {
  const decl = types.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name
  );
  if (!decl) {
    throw new Error(`no interface ${name} in src/types.ts`);
  }
  return decl;
}

/** The members an interface of src/types.ts declares itself (not those of the interface it extends). */
export function ownMembers(name: string): string[] {
  return interfaceDecl(name).members.map((m) => (m.name as ts.Identifier).text);
}

/** The string literals of a union type node. */
function unionLiterals(what: string, node: ts.TypeNode | undefined): string[] {
  if (!node || !ts.isUnionTypeNode(node)) {
    throw new Error(`${what} is not a union type in src/types.ts`);
  }
  return node.types.map((t) => {
    if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) {
      return t.literal.text;
    }
    throw new Error(`${what}: ${t.getText()} is not a string literal`);
  });
}

/** The string literals of a union type alias of src/types.ts. */
export function literals(name: string): string[] {
  const decl = types.statements.find(
    (s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === name
  );
  return unionLiterals(name, decl?.type);
}

/** The string literals of an interface member's union type: MemshapeOptions.httpMethod. */
export function memberLiterals(iface: string, member: string): string[] {
  const m = interfaceDecl(iface).members.find((x) => (x.name as ts.Identifier).text === member);
  return unionLiterals(`${iface}.${member}`, m && ts.isPropertySignature(m) ? m.type : undefined);
}

/** The distinct strings, sorted. */
export const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
