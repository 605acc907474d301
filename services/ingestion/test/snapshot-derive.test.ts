import assert from 'node:assert/strict';
import { createCleaningPipeline, createLengthFilterStep } from '../src/domain/cleaning';
import { deriveSnapshot } from '../src/domain/snapshot/derive-snapshot';
import { mergeById } from '../src/domain/snapshot/merge-by-id';
import { validateSplitSpec } from '../src/domain/snapshot/split-assignment';
import { collectAll, fromArray, textRecord } from './snapshot-support';

const id = (i: number): string => `r${String(i).padStart(4, '0')}`;

describe('ingestion snapshot derivation', () => {
  it('mergeById keeps one record per id, the later source winning, in id order', async () => {
    const merged = await collectAll(mergeById([fromArray([textRecord('a', { v: '1' }), textRecord('c', { v: '1' })]), fromArray([textRecord('b', { v: '2' }), textRecord('c', { v: '2' })])]));
    assert.deepEqual(merged.map((r) => [r.id, r.metadata.v]), [['a', '1'], ['b', '2'], ['c', '2']]);
  });

  it('filter + split + sample: only matching records, exactly sample_size of them, each with a split', async () => {
    const source = [...Array(200).keys()].map((i) => textRecord(id(i), { label: i % 4 === 0 ? 'spam' : 'ham', lang: i % 2 === 0 ? 'en' : 'fr' }));
    const run = async (): Promise<Array<[string, string | undefined]>> => {
      const d = deriveSnapshot(() => [fromArray(source)], {
        filter: { metadataEquals: { lang: 'en' } },
        split: validateSplitSpec({ fractions: { train: 0.75, test: 0.25 }, stratifyBy: 'label', seed: 3 }),
        sampleSize: 40,
        sampleSeed: 9,
      });
      const out = await collectAll(d.records);
      assert.deepEqual({ read: d.report().read, filteredOut: d.report().filteredOut, sampledOut: d.report().sampledOut, kept: d.report().kept }, { read: 200, filteredOut: 100, sampledOut: 60, kept: 40 });
      assert.deepEqual(d.report().splits, { test: 10, train: 30 });
      assert.ok(out.every((r) => r.metadata.lang === 'en'));
      return out.map((r) => [r.id, r.metadata.split]);
    };
    const first = await run();
    assert.equal(first.length, 40);
    assert.deepEqual(await run(), first); // deterministic
  });

  it('applies review decisions: KEEP restores, RELABEL restores with the new label, DISCARD removes', async () => {
    const source = [textRecord('a', { label: 'x' }), textRecord('b', { label: 'x' })];
    const d = deriveSnapshot(() => [fromArray(source)], {
      reviewItems: [
        { recordId: 'k', decision: 'keep', record: textRecord('k', { label: 'y' }) },
        { recordId: 'r', decision: 'relabel', newLabel: 'z', record: textRecord('r', { label: 'y' }) },
        { recordId: 'b', decision: 'discard', record: textRecord('b', { label: 'x' }) },
      ],
    });
    const out = await collectAll(d.records);
    assert.deepEqual(out.map((r) => [r.id, r.metadata.label]), [['a', 'x'], ['k', 'y'], ['r', 'z']]);
    assert.deepEqual([d.report().restoredFromReview, d.report().relabeledFromReview, d.report().discardedByReview], [2, 1, 1]);
  });

  it('re-cleans with the existing cleaning steps and reports what they dropped', async () => {
    const source = [textRecord('a', {}, 'short'), textRecord('b', {}, 'a text that is long enough to keep')];
    const d = deriveSnapshot(() => [fromArray(source)], { createCleaner: () => createCleaningPipeline([createLengthFilterStep({ minChars: 10 })]) });
    const out = await collectAll(d.records);
    assert.deepEqual(out.map((r) => r.id), ['b']);
    assert.equal(d.report().droppedByCleaning, 1);
    assert.deepEqual(Object.values(d.report().droppedByStep), [1]);
  });
});
