/**
 * The IngestionStore contract, run against both stores (store.test.ts):
 * what the service relies on, answered the same by SQLite and PostgreSQL.
 */
import { strict as assert } from 'node:assert';
import type { IngestionStore, NewReviewItem, NewSnapshot } from '../src/domain/ports';

export interface StoreFactory {
  /** A fresh, empty store. */
  open(): Promise<IngestionStore>;
}

const SHA = (c: string): string => c.repeat(64);

export function newSnapshot(dataset: string, over: Partial<NewSnapshot> = {}): NewSnapshot {
  return {
    dataset,
    manifestSha256: SHA('a'),
    dataSha256: SHA('b'),
    recordCount: 3,
    sizeBytes: 1234,
    contentSha256: SHA('c'),
    origin: 'upload',
    jobId: 'job-1',
    description: 'first',
    tags: { team: 'a' },
    counts: { rows_read: 4, rows_kept: 3, redactions_by_kind: { EMAIL: 2 } },
    splits: { train: 2, test: 1 },
    contentTypes: { 'text/plain': 3 },
    metadataKeys: { source_file: 3, label: 2 },
    parents: [{ dataset, version: 1 }],
    createdBy: 'tests',
    ...over,
  };
}

function reviewItem(id: string, over: Partial<NewReviewItem> = {}): NewReviewItem {
  return {
    id,
    dataset: 'mails',
    version: 1,
    record: { id: SHA('d'), modality: 'text', contentType: 'text/plain', data: new Uint8Array(Buffer.from('héllo')), metadata: { label: 'spam' }, timestampUs: 42 },
    reason: 'low_confidence',
    givenLabel: 'spam',
    predictedLabel: 'ham',
    confidence: 0.25,
    threshold: 0.8,
    model: { name: 'clf', version: 3, alias: 'production' },
    jobId: 'job-9',
    createdAtMs: 1000,
    ...over,
  };
}

export function describeIngestionStoreContract(name: string, factory: () => StoreFactory): void {
  describe(`IngestionStore contract (${name})`, () => {
    let store: IngestionStore;
    beforeEach(async () => {
      store = await factory().open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates the dataset on its first snapshot and numbers versions 1, 2, 3 per dataset', async () => {
      assert.equal(await store.getDataset('mails'), undefined);
      const v1 = await store.insertSnapshot(newSnapshot('mails'), { nowMs: 1000, dpBudgetTotal: 10 });
      const v2 = await store.insertSnapshot(newSnapshot('mails', { description: 'second' }), { nowMs: 2000, dpBudgetTotal: 99 });
      const other = await store.insertSnapshot(newSnapshot('other'), { nowMs: 3000, dpBudgetTotal: 5 });
      assert.deepEqual([v1.version, v2.version, other.version], [1, 2, 1]);
      const d = await store.getDataset('mails');
      assert.deepEqual(d, { name: 'mails', createdAtMs: 1000, updatedAtMs: 2000, latestVersion: 2, snapshotCount: 2, dpBudgetTotal: 10, dpBudgetSpent: 0 });
    });

    it('reads a snapshot back with every column, version 0 meaning the latest', async () => {
      const input = newSnapshot('mails');
      await store.insertSnapshot(input, { nowMs: 1000, dpBudgetTotal: 10 });
      await store.insertSnapshot(newSnapshot('mails', { description: 'second', recordCount: 9 }), { nowMs: 2000, dpBudgetTotal: 10 });
      const first = await store.getSnapshot('mails', 1);
      assert.deepEqual(first, { ...input, version: 1, createdAtMs: 1000 });
      const latest = await store.getSnapshot('mails', 0);
      assert.equal(latest?.version, 2);
      assert.equal(latest?.recordCount, 9);
      assert.equal(await store.getSnapshot('mails', 3), undefined);
      assert.equal(await store.getSnapshot('nothing', 0), undefined);
    });

    it('refuses an insert whose expected version was taken, inserting nothing', async () => {
      await store.insertSnapshot(newSnapshot('exp'), { nowMs: 1, dpBudgetTotal: 1, expectVersion: 1 });
      await assert.rejects(store.insertSnapshot(newSnapshot('exp'), { nowMs: 2, dpBudgetTotal: 1, expectVersion: 1 }), { reason: 'SNAPSHOT_VERSION_TAKEN' });
      await assert.rejects(store.insertSnapshot(newSnapshot('fresh'), { nowMs: 2, dpBudgetTotal: 1, expectVersion: 2 }), { reason: 'SNAPSHOT_VERSION_TAKEN' });
      assert.equal((await store.getDataset('exp'))?.latestVersion, 1);
      assert.equal(await store.getDataset('fresh'), undefined);
    });

    it('gives parallel snapshot inserts distinct consecutive versions', async () => {
      const rows = await Promise.all(Array.from({ length: 8 }, () => store.insertSnapshot(newSnapshot('race'), { nowMs: 1, dpBudgetTotal: 1 })));
      assert.deepEqual(rows.map((r) => r.version).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('lists snapshots newest first with a keyset cursor', async () => {
      for (let i = 0; i < 5; i++) await store.insertSnapshot(newSnapshot('s'), { nowMs: i, dpBudgetTotal: 1 });
      const page1 = await store.listSnapshots('s', { limit: 2 });
      assert.deepEqual(page1.map((s) => s.version), [5, 4]);
      const page2 = await store.listSnapshots('s', { limit: 10, beforeVersion: 4 });
      assert.deepEqual(page2.map((s) => s.version), [3, 2, 1]);
    });

    it('lists datasets by name with a case-insensitive substring query and a cursor', async () => {
      for (const n of ['alpha', 'beta', 'gamma-mails', 'mails']) await store.insertSnapshot(newSnapshot(n), { nowMs: 1, dpBudgetTotal: 1 });
      assert.deepEqual((await store.listDatasets({ limit: 10 })).map((d) => d.name), ['alpha', 'beta', 'gamma-mails', 'mails']);
      assert.deepEqual((await store.listDatasets({ limit: 10, query: 'MAIL' })).map((d) => d.name), ['gamma-mails', 'mails']);
      assert.deepEqual((await store.listDatasets({ limit: 2, afterName: 'alpha' })).map((d) => d.name), ['beta', 'gamma-mails']);
      assert.equal(await store.countDatasets({ query: 'mail' }), 2);
      assert.equal(await store.countDatasets({}), 4);
      // LIKE wildcards in a query are plain characters.
      assert.deepEqual(await store.listDatasets({ limit: 10, query: '%' }), []);
    });

    it('keeps the first result of an upload key and answers it to a second put', async () => {
      const first = await store.putUpload({ key: 'k1', headerFingerprint: 'f1', dataset: 'mails', result: { snapshot: 1 }, createdAtMs: 5 });
      const second = await store.putUpload({ key: 'k1', headerFingerprint: 'f2', dataset: 'mails', result: { snapshot: 2 }, createdAtMs: 6 });
      assert.deepEqual(second, first);
      assert.deepEqual(await store.getUpload('k1'), { key: 'k1', headerFingerprint: 'f1', dataset: 'mails', result: { snapshot: 1 }, createdAtMs: 5 });
      assert.equal(await store.getUpload('k2'), undefined);
    });

    it('stores review items with their whole record, lists pending ones and resolves each once', async () => {
      await store.insertReviewItems([reviewItem('r1'), reviewItem('r2', { reason: 'label_disagreement', jobId: 'job-10' }), reviewItem('r3', { dataset: 'other' })], 2000);
      const r1 = await store.getReviewItem('r1');
      assert.equal(Buffer.from(r1?.record.data ?? []).toString(), 'héllo');
      assert.deepEqual(r1?.record.metadata, { label: 'spam' });
      assert.equal(r1?.record.timestampUs, 42);
      assert.deepEqual(r1?.model, { name: 'clf', version: 3, alias: 'production' });
      assert.equal(r1?.state, 'pending');
      assert.deepEqual((await store.listReviewItems({ dataset: 'mails', limit: 10 })).map((i) => i.id), ['r1', 'r2']);
      assert.deepEqual((await store.listReviewItems({ reason: 'label_disagreement', limit: 10 })).map((i) => i.id), ['r2']);
      assert.deepEqual((await store.listReviewItems({ jobId: 'job-9', limit: 10, afterId: 'r1' })).map((i) => i.id), ['r3']);

      const resolved = await store.resolveReviewItem('r1', { decision: 'relabel', newLabel: 'ham', note: 'fine', resolvedBy: 'ann', atMs: 3000 });
      assert.equal(resolved?.updated, true);
      assert.equal(resolved?.item.state, 'resolved');
      assert.equal(resolved?.item.decision, 'relabel');
      assert.equal(resolved?.item.newLabel, 'ham');
      assert.equal(resolved?.item.resolvedAtMs, 3000);
      const again = await store.resolveReviewItem('r1', { decision: 'discard', newLabel: '', note: '', resolvedBy: 'bob', atMs: 4000 });
      assert.equal(again?.updated, false);
      assert.equal(again?.item.decision, 'relabel');
      assert.equal(await store.resolveReviewItem('nope', { decision: 'keep', newLabel: '', note: '', resolvedBy: 'x', atMs: 1 }), undefined);
      assert.deepEqual((await store.listReviewItems({ dataset: 'mails', limit: 10 })).map((i) => i.id), ['r2']);
      assert.deepEqual((await store.listReviewItems({ state: 'resolved', limit: 10 })).map((i) => i.id), ['r1']);
    });

    it('spends the privacy budget into the ledger and refuses what would exceed it, recording nothing', async () => {
      assert.equal(await store.spendPrivacyBudget({ dataset: 'none', epsilon: 1, query: 'q', actor: 'a', atMs: 1 }), undefined);
      await store.insertSnapshot(newSnapshot('p'), { nowMs: 1, dpBudgetTotal: 1 });
      assert.deepEqual(await store.spendPrivacyBudget({ dataset: 'p', epsilon: 0.6, query: 'count', actor: 'ann', atMs: 10 }), { granted: true, spent: 0.6, total: 1 });
      assert.deepEqual(await store.spendPrivacyBudget({ dataset: 'p', epsilon: 0.5, query: 'mean', actor: 'ann', atMs: 11 }), { granted: false, spent: 0.6, total: 1 });
      const last = await store.spendPrivacyBudget({ dataset: 'p', epsilon: 0.4, query: 'sum', actor: 'bob', atMs: 12 });
      assert.equal(last?.granted, true);
      const ledger = await store.listPrivacyLedger('p');
      assert.deepEqual(ledger.map((e) => [e.query, e.epsilon, e.actor, e.atMs]), [['count', 0.6, 'ann', 10], ['sum', 0.4, 'bob', 12]]);
      assert.ok(Math.abs((await store.getDataset('p'))!.dpBudgetSpent - 1) < 1e-9);
    });

    it('lets only one of two parallel spends take the last of a budget', async () => {
      await store.insertSnapshot(newSnapshot('p2'), { nowMs: 1, dpBudgetTotal: 1 });
      const results = await Promise.all([0, 1, 2, 3].map(() => store.spendPrivacyBudget({ dataset: 'p2', epsilon: 0.7, query: 'q', actor: 'a', atMs: 1 })));
      assert.equal(results.filter((r) => r?.granted).length, 1);
      assert.equal((await store.listPrivacyLedger('p2')).length, 1);
    });
  });
}
