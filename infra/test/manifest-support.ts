/**
 * Reading the deployment files for structural tests: YAML documents as plain
 * mappings, and assertions that name where a value was expected.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export const repoRoot = path.resolve(__dirname, '..', '..');

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(value: unknown, where: string): Obj {
  assert.ok(isObj(value), `${where}: expected a mapping, got ${JSON.stringify(value)}`);
  return value;
}

export function arr(value: unknown, where: string): unknown[] {
  assert.ok(Array.isArray(value), `${where}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

export function str(value: unknown, where: string): string {
  assert.equal(typeof value, 'string', `${where}: expected a string, got ${JSON.stringify(value)}`);
  return value as string;
}

export function readText(relPath: string): string {
  return readFileSync(path.join(repoRoot, relPath), 'utf8');
}

/** Parses every document of a YAML file, failing on any syntax error. `merge` enables `<<:` keys as Compose does. */
export function parseAll(relPath: string): Obj[] {
  const docs = YAML.parseAllDocuments(readText(relPath), { merge: true });
  assert.ok(Array.isArray(docs), `${relPath}: could not be parsed as YAML documents`);
  return docs
    .map((doc, i) => {
      assert.deepEqual(
        doc.errors.map((e) => e.message),
        [],
        `${relPath} document ${i}: YAML errors`,
      );
      return doc.toJS() as unknown;
    })
    .filter((value) => value !== null)
    .map((value, i) => obj(value, `${relPath} document ${i}`));
}

