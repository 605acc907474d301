import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import type { ParsedRecord, Position } from '../src/domain/record';
import { createSeededRandom } from '../src/domain/privacy';

/** A text record as a parser would yield it. */
export function textRecord(data: string, position: Position = { line: 1 }, extra: Partial<ParsedRecord> = {}): ParsedRecord {
  return { modality: 'text', contentType: 'text/plain', data, metadata: {}, position, ...extra };
}

/** Asserts `fn` throws an L1g1Error of this kind and reason (and field, when given); returns it. */
export function throwsL1g1(fn: () => unknown, kind: string, reason: string, field?: string): L1g1Error {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof L1g1Error, `expected an L1g1Error, got ${String(caught)}`);
  assert.equal(caught.kind, kind);
  assert.equal(caught.reason, reason);
  if (field !== undefined) assert.equal(caught.field, field);
  return caught;
}

/**
 * Deterministic prose: `count` words drawn from a vocabulary of made-up
 * words, so texts share words (as real documents do) but are not near
 * duplicates unless planted.
 */
export function createTextGenerator(seed: number, vocabularySize = 2000): { words(count: number): string[] } {
  const random = createSeededRandom(seed);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocabulary = Array.from({ length: vocabularySize }, () => {
    const length = 3 + Math.floor(random() * 7);
    return Array.from({ length }, () => letters[Math.floor(random() * letters.length)]).join('');
  });
  return {
    words: (count) => Array.from({ length: count }, () => vocabulary[Math.floor(random() * vocabulary.length)] ?? 'x'),
  };
}
