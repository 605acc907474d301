import { strict as assert } from 'node:assert';
import {
  CONTENT_ID_KEY,
  contentIdOf,
  createCleaningPipeline,
  createExactDedupeStep,
  createMinHasher,
  createNearDedupeStep,
  createNormalizeTextStep,
  estimateJaccard,
  exactJaccard,
  LshIndex,
} from '../src/domain/cleaning';
import { createSeededRandom } from '../src/domain/privacy';
import type { ParsedRecord } from '../src/domain/record';
import { createTextGenerator, textRecord, throwsL1g1 } from './cleaning-support';

describe('cleaning: content id and exact dedupe', () => {
  it('is the sha256 hex of the normalised UTF-8 text, equal across Unicode forms and whitespace', () => {
    // sha256("abc"), the FIPS 180-2 test vector.
    assert.equal(contentIdOf('  abc \n'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(contentIdOf('Ｃａｆé\u00A0 bar'), contentIdOf('Cafe\u0301 bar'));
    assert.notEqual(contentIdOf('abc'), contentIdOf('abd'));
    assert.equal(contentIdOf(new Uint8Array([0x61, 0x62, 0x63])), contentIdOf('abc'));
  });

  it('drops later copies as duplicate, stamps kept records with their content id, and reports the drops', () => {
    const step = createExactDedupeStep();
    const texts = ['first text', 'second text', 'ｆｉｒｓｔ  text', 'second text'];
    const outcomes = texts.map((t, i) => step.apply(textRecord(t, { line: i + 1 }), { file: 'a.jsonl' }));
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'kept' ? o.record.metadata[CONTENT_ID_KEY] : o.reason)),
      [contentIdOf('first text'), contentIdOf('second text'), 'duplicate', 'duplicate'],
    );
    const report = step.report();
    assert.deepEqual([report.seen, report.kept, report.dropped], [4, 2, 2]);
    assert.deepEqual(report.examples.map((e) => `${e.file} ${e.position} ${e.detail}`), [
      `a.jsonl line 3 content id ${contentIdOf('first text')}`,
      `a.jsonl line 4 content id ${contentIdOf('second text')}`,
    ]);
  });

  it('treats ids already in the dataset as seen (a second upload adds nothing)', () => {
    const step = createExactDedupeStep({ known: [contentIdOf('old record')] });
    const outcome = step.apply(textRecord('old  record'), { file: 'b.txt' });
    assert.equal(outcome.kind === 'dropped' && outcome.reason, 'duplicate');
  });

  it('grows with kept records only and refuses past max_records with DEDUPE_CAPACITY_EXCEEDED', () => {
    const step = createExactDedupeStep({ maxRecords: 2 });
    for (const t of ['one', 'two', 'one', 'two', 'one']) step.apply(textRecord(t), { file: 'c.txt' });
    const err = throwsL1g1(() => step.apply(textRecord('three'), { file: 'c.txt' }), 'FAILED_PRECONDITION', 'DEDUPE_CAPACITY_EXCEEDED');
    assert.equal(err.metadata['max_records'], '2');
  });
});

describe('cleaning: MinHash and LSH', () => {
  it('gives identical signatures for the same text and seed, and estimates Jaccard close to the exact value', () => {
    const words = createTextGenerator(7).words(200);
    const a = words.join(' ');
    const b = [...words.slice(0, 150), ...createTextGenerator(8).words(50)].join(' ');
    const hasher = createMinHasher({ numPermutations: 256 });
    assert.deepEqual(hasher.signature(a), createMinHasher({ numPermutations: 256 }).signature(a));
    const estimate = estimateJaccard(hasher.signature(a), hasher.signature(b));
    const exact = exactJaccard(a, b);
    assert.ok(exact > 0.5 && exact < 0.8, `exact ${exact}`);
    // 256 permutations: the estimate's standard deviation is below 0.032; 0.1 is three of them.
    assert.ok(Math.abs(estimate - exact) < 0.1, `estimate ${estimate} vs exact ${exact}`);
  });

  it('refuses bands × rows beyond the signature length, naming bands', () => {
    throwsL1g1(() => new LshIndex(128, { bands: 40, rows: 4 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'bands');
    throwsL1g1(() => createNearDedupeStep({ threshold: 1.5 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'threshold');
  });
});

/** A near duplicate of `words`: `edits` words replaced, one inserted, one dropped. */
function plantNearDuplicate(words: readonly string[], edits: number, seed: number): string {
  const random = createSeededRandom(seed);
  const filler = createTextGenerator(seed + 1000).words(edits + 1);
  const out = [...words];
  for (let i = 0; i < edits; i += 1) out[Math.floor(random() * out.length)] = filler[i] ?? 'x';
  out.splice(Math.floor(random() * out.length), 0, filler[edits] ?? 'y');
  out.splice(Math.floor(random() * out.length), 1);
  return out.join(' ');
}

describe('cleaning: near dedupe', () => {
  it('finds >= 95% of planted near duplicates at Jaccard >= 0.8 and keeps every distinct record', () => {
    const generator = createTextGenerator(42);
    const originals = Array.from({ length: 300 }, () => generator.words(80));
    // 150 planted near duplicates (1..3 edited words) and 40 heavy rewrites (half the words) that must stay.
    const near = Array.from({ length: 150 }, (_, i) => ({ of: i, text: plantNearDuplicate(originals[i] ?? [], 1 + (i % 3), i) }));
    const rewrites = Array.from({ length: 40 }, (_, i) => ({ of: 200 + i, text: plantNearDuplicate(originals[200 + i] ?? [], 40, 500 + i) }));
    const step = createNearDedupeStep();
    const originalOutcomes = originals.map((w, i) => step.apply(textRecord(w.join(' '), { line: i + 1 }), { file: 'originals.txt' }));
    const nearOutcomes = near.map((n, i) => step.apply(textRecord(n.text, { line: i + 1 }), { file: 'near.txt' }));
    const rewriteOutcomes = rewrites.map((r, i) => step.apply(textRecord(r.text, { line: i + 1 }), { file: 'rewrites.txt' }));

    assert.equal(originalOutcomes.filter((o) => o.kind === 'dropped').length, 0, 'a distinct original was dropped');
    const planted = near.filter((n) => exactJaccard(n.text, (originals[n.of] ?? []).join(' ')) >= 0.8);
    assert.ok(planted.length >= 140, `only ${planted.length} planted pairs reach Jaccard 0.8`);
    const found = planted.filter((n) => {
      const outcome = nearOutcomes[near.indexOf(n)];
      // The drop names the original it matched (file and line).
      return outcome?.kind === 'dropped' && outcome.detail?.endsWith(`with originals.txt (line ${n.of + 1})`);
    });
    assert.ok(found.length / planted.length >= 0.95, `recall ${found.length}/${planted.length}`);
    for (const r of rewrites) assert.ok(exactJaccard(r.text, (originals[r.of] ?? []).join(' ')) < 0.6);
    assert.equal(rewriteOutcomes.filter((o) => o.kind === 'dropped').length, 0, 'a heavy rewrite was dropped');

    const report = step.report();
    assert.equal(report.kept, 300 + 40 + (150 - report.dropped));
    assert.equal(report.droppedByReason['near_duplicate'], report.dropped);
  });

  it('keeps only kept records in its index: duplicates never count against max_records', () => {
    const step = createNearDedupeStep({ maxRecords: 1 });
    const text = createTextGenerator(3).words(60).join(' ');
    for (let i = 0; i < 20; i += 1) step.apply(textRecord(text), { file: 'same.txt' });
    assert.equal(step.report().dropped, 19);
    throwsL1g1(
      () => step.apply(textRecord(createTextGenerator(4).words(60).join(' ')), { file: 'other.txt' }),
      'FAILED_PRECONDITION',
      'DEDUPE_CAPACITY_EXCEEDED',
    );
  });

  it('lets binary payloads through and works after normalisation in a pipeline', () => {
    const pipeline = createCleaningPipeline([createNormalizeTextStep(), createExactDedupeStep(), createNearDedupeStep()]);
    const base = createTextGenerator(9).words(60);
    const image: ParsedRecord = { modality: 'image', contentType: 'image/png', data: new Uint8Array([1, 2, 3]), metadata: {}, position: {} };
    const outcomes = [
      pipeline.apply(textRecord(base.join(' ')), { file: 'x.txt' }),
      pipeline.apply(textRecord(base.join('  ')), { file: 'x.txt' }),
      pipeline.apply(textRecord(plantNearDuplicate(base, 1, 1)), { file: 'x.txt' }),
      pipeline.apply(image, { file: 'x.png' }),
    ];
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'kept' ? 'kept' : `${o.step}/${o.reason}`)),
      ['kept', 'exact_dedupe/duplicate', 'near_dedupe/near_duplicate', 'kept'],
    );
  });
});
