import assert from 'node:assert/strict';
import { L1g1Error } from '@l1g1/kit';
import { createSamplePlanner } from '../src/domain/snapshot/hash-sample';
import { planRead } from '../src/domain/snapshot/read-plan';
import { diffRecordStreams, summarizeDiff } from '../src/domain/snapshot/record-diff';
import { recordMatches } from '../src/domain/snapshot/record-filter';
import { inShard, validateShard } from '../src/domain/snapshot/shards';
import { assignSplits, validateSplitSpec } from '../src/domain/snapshot/split-assignment';
import { collectAll, fromArray, textRecord } from './snapshot-support';

function invalidField(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof L1g1Error, String(err));
    assert.equal(err.kind, 'INVALID_ARGUMENT');
    return err.field;
  }
  assert.fail('expected INVALID_ARGUMENT');
}

const ids = (n: number, prefix = 'r'): string[] => [...Array(n).keys()].map((i) => `${prefix}${String(i).padStart(5, '0')}`);

describe('ingestion snapshot domain', () => {
  describe('recordMatches (RecordFilter)', () => {
    const r = { ...textRecord('a', { label: 'spam', lang: 'en' }), timestampUs: 1000 };
    it('every condition must hold', () => {
      assert.equal(recordMatches(r, {}), true);
      assert.equal(recordMatches(r, { metadataEquals: { label: 'spam' } }), true);
      assert.equal(recordMatches(r, { metadataEquals: { label: 'ham' } }), false);
      assert.equal(recordMatches(r, { metadataPresent: ['lang'] }), true);
      assert.equal(recordMatches(r, { metadataPresent: ['lang', 'page'] }), false);
      assert.equal(recordMatches(r, { contentTypePrefix: 'text/' }), true);
      assert.equal(recordMatches(r, { contentTypePrefix: 'image/' }), false);
      assert.equal(recordMatches(r, { minTimestampUs: 1000, maxTimestampUs: 1000 }), true);
      assert.equal(recordMatches(r, { minTimestampUs: 1001 }), false);
      assert.equal(recordMatches(r, { maxTimestampUs: 999 }), false);
      assert.equal(recordMatches(textRecord('b'), { minTimestampUs: 1 }), false); // no timestamp: outside any bound
    });
  });

  describe('splits', () => {
    it('fractions that do not sum to 1, or a negative fraction, are INVALID_ARGUMENT naming split.fractions', () => {
      assert.equal(invalidField(() => validateSplitSpec({ fractions: { train: 0.8, test: 0.3 } })), 'split.fractions');
      assert.equal(invalidField(() => validateSplitSpec({ fractions: { train: 1.2, test: -0.2 } })), 'split.fractions');
      assert.equal(invalidField(() => validateSplitSpec({ fractions: {} })), 'split.fractions');
      assert.doesNotThrow(() => validateSplitSpec({ fractions: { a: 0.1, b: 0.2, c: 0.7 } })); // 0.1 + 0.2 + 0.7 within 1e-9
    });

    it('the same seed gives the identical assignment whatever the record order; another seed differs', () => {
      const records = ids(500).map((id) => textRecord(id));
      const spec = validateSplitSpec({ fractions: { train: 0.8, test: 0.2 }, seed: 7 });
      const first = new Map(assignSplits(records, spec).map((r) => [r.id, r.metadata.split]));
      const second = new Map(assignSplits([...records].reverse(), spec).map((r) => [r.id, r.metadata.split]));
      assert.deepEqual([...first].sort(), [...second].sort());
      const other = new Map(assignSplits(records, validateSplitSpec({ fractions: { train: 0.8, test: 0.2 }, seed: 8 })).map((r) => [r.id, r.metadata.split]));
      assert.notDeepEqual([...first].sort(), [...other].sort());
      assert.equal([...first.values()].filter((s) => s === 'test').length, 100); // exact cut: round(500 × 0.2)
    });

    it('stratified: each split gets its share of every label, even a rare one', () => {
      const records = [
        ...ids(90, 'h').map((id) => textRecord(id, { label: 'ham' })),
        ...ids(10, 's').map((id) => textRecord(id, { label: 'spam' })),
      ];
      const out = assignSplits(records, validateSplitSpec({ fractions: { train: 0.8, test: 0.2 }, stratifyBy: 'label' }));
      const count = (label: string, split: string): number => out.filter((r) => r.metadata.label === label && r.metadata.split === split).length;
      assert.deepEqual([count('ham', 'train'), count('ham', 'test'), count('spam', 'train'), count('spam', 'test')], [72, 18, 8, 2]);
    });
  });

  describe('sampling and shards', () => {
    it('a sample keeps exactly sample_size records, the same ones for the same seed', () => {
      const all = ids(300);
      const pick = (seed: number): string[] => {
        const planner = createSamplePlanner(50, seed);
        all.forEach((id) => planner.add(id));
        const keep = planner.finish();
        return all.filter(keep);
      };
      assert.equal(pick(1).length, 50);
      assert.deepEqual(pick(1), pick(1));
      assert.notDeepEqual(pick(1), pick(2));
    });

    it('shards partition the ids: every id in exactly one of shard_count shards', () => {
      const all = ids(400);
      const shards = [0, 1, 2].map((index) => all.filter((id) => inShard(id, { index, count: 3 })));
      assert.equal(shards.reduce((n, s) => n + s.length, 0), 400);
      assert.equal(new Set(shards.flat()).size, 400);
      assert.ok(shards.every((s) => s.length > 0));
      assert.equal(invalidField(() => validateShard(3, 3)), 'shard_index');
      assert.equal(invalidField(() => validateShard(0, -1)), 'shard_count');
      assert.equal(invalidField(() => validateShard(1, 0)), 'shard_index');
    });
  });

  describe('diffRecordStreams', () => {
    it('streams added, removed and metadata-changed records with only the differing keys', async () => {
      const before = [textRecord('a', { label: 'x', k: '1' }), textRecord('b', { label: 'x' }), textRecord('c', { label: 'y', gone: '1' })];
      const after = [textRecord('b', { label: 'x' }), textRecord('c', { label: 'z' }), textRecord('d', { label: 'x' })];
      const steps = await collectAll(diffRecordStreams(fromArray(before), fromArray(after)));
      assert.deepEqual(steps, [
        { recordId: 'a', kind: 'removed', metadataBefore: { label: 'x', k: '1' }, metadataAfter: {} },
        { recordId: 'b', kind: 'unchanged' },
        { recordId: 'c', kind: 'metadata_changed', metadataBefore: { label: 'y', gone: '1' }, metadataAfter: { label: 'z' } },
        { recordId: 'd', kind: 'added', metadataBefore: {}, metadataAfter: { label: 'x' } },
      ]);
    });

    it('pages the changes by id while counting all of them', async () => {
      const before = ids(10).map((id) => textRecord(id));
      const after = ids(10).map((id, i) => textRecord(id, i % 2 === 0 ? { label: 'new' } : {}));
      const first = await summarizeDiff(diffRecordStreams(fromArray(before), fromArray(after)), { pageSize: 3 });
      assert.deepEqual([first.metadataChanged, first.unchanged, first.changes.map((c) => c.recordId)], [5, 5, ['r00000', 'r00002', 'r00004']]);
      assert.equal(first.nextAfterId, 'r00004');
      const second = await summarizeDiff(diffRecordStreams(fromArray(before), fromArray(after)), { pageSize: 3, afterId: first.nextAfterId });
      assert.deepEqual(second.changes.map((c) => c.recordId), ['r00006', 'r00008']);
      assert.equal(second.nextAfterId, undefined);
    });

    it('refuses a stream that is not sorted by id', async () => {
      await assert.rejects(collectAll(diffRecordStreams(fromArray([textRecord('b'), textRecord('a')]), fromArray([]))), /not sorted by id/);
    });
  });

  describe('planRead', () => {
    it('defaults and bounds: batch_size 256 by default, at most 4096; limit and shards validated', () => {
      assert.equal(planRead({ dataset: 'd', version: 0 }).batchSize, 256);
      assert.equal(invalidField(() => planRead({ dataset: 'd', version: 0, batchSize: 4097 })), 'batch_size');
      assert.equal(invalidField(() => planRead({ dataset: 'd', version: 0, limit: -1 })), 'limit');
      assert.equal(invalidField(() => planRead({ dataset: 'd', version: 0, shardIndex: 2, shardCount: 2 })), 'shard_index');
      assert.equal(invalidField(() => planRead({ dataset: 'd', version: 0, filter: { minTimestampUs: 5, maxTimestampUs: 4 } })), 'filter.min_timestamp_us');
    });

    it('a token resumes at its row with its pinned version and the records already sent', () => {
      const first = planRead({ dataset: 'd', version: 0, split: 'train', limit: 10 });
      const token = first.tokenAt(3, 42, 7);
      const resumed = planRead({ dataset: 'd', version: 0, split: 'train', limit: 10, resumeToken: token });
      assert.deepEqual([resumed.version, resumed.startRow, resumed.alreadySent, resumed.remaining], [3, 42, 7, 3]);
    });

    it('a token used for another request, or a forged one, is INVALID_ARGUMENT resume_token', () => {
      const token = planRead({ dataset: 'd', version: 0, split: 'train' }).tokenAt(3, 42, 7);
      assert.equal(invalidField(() => planRead({ dataset: 'd', version: 0, split: 'test', resumeToken: token })), 'resume_token');
      assert.equal(invalidField(() => planRead({ dataset: 'e', version: 0, split: 'train', resumeToken: token })), 'resume_token');
      assert.equal(invalidField(() => planRead({ dataset: 'd', version: 2, split: 'train', resumeToken: token })), 'resume_token');
      assert.equal(invalidField(() => planRead({ dataset: 'd', version: 0, split: 'train', resumeToken: 'not a token!' })), 'resume_token');
      assert.equal(invalidField(() => planRead({ dataset: 'd', version: 0, split: 'train', resumeToken: Buffer.from('{"d":"d"}').toString('base64url') })), 'resume_token');
    });
  });
});
