import assert from 'node:assert/strict';
import { ingestion } from '@l1g1/contracts';
import { asL1g1Error } from '@l1g1/kit';
import { DERIVE_JOB_KIND } from '../src/handlers/derive-handlers';
import { textRecord } from './snapshot-support';
import { publishTestSnapshot } from './support/publish-test-snapshot';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

function deriveRequest(over: Partial<ingestion.CreateSnapshotRequest>): ingestion.CreateSnapshotRequest {
  return {
    dataset: 'derived',
    sources: [{ name: 'base', snapshot: 0 }],
    filter: undefined,
    cleaning: undefined,
    split: undefined,
    applyReviewDecisions: false,
    sampleSize: 0,
    sampleSeed: undefined,
    description: '',
    tags: {},
    idempotencyKey: '',
    ...over,
  };
}

describe('ingestion CreateSnapshot (derive job) through the real gRPC service', () => {
  let svc: TestIngestion;
  const create = (req: ingestion.CreateSnapshotRequest): Promise<ingestion.Snapshot> =>
    new Promise((resolve, reject) => svc.client.createSnapshot(req, (err, res) => (err ? reject(asL1g1Error(err)) : resolve(res))));
  const readAll = (name: string, version: number): Promise<ingestion.ReadRecordsResponse[]> =>
    new Promise((resolve, reject) => {
      const out: ingestion.ReadRecordsResponse[] = [];
      const call = svc.client.readRecords({ snapshot: { name, snapshot: version }, filter: undefined, split: '', shardIndex: 0, shardCount: 0, resumeToken: '', limit: 0, batchSize: 0, metadataOnly: false });
      call.on('data', (b: ingestion.ReadRecordsResponse) => out.push(b));
      call.on('error', (e: Error) => reject(asL1g1Error(e)));
      call.on('end', () => resolve(out));
    });

  before(async () => {
    svc = await startTestIngestion();
    const base = [...Array(120).keys()].map((i) => textRecord(`r${String(i).padStart(3, '0')}`, { label: i % 4 === 0 ? 'spam' : 'ham', lang: i % 2 === 0 ? 'en' : 'fr' }, `body ${i}`));
    await publishTestSnapshot(svc.deps, 'base', base);
    // A later source overriding some records' metadata: later sources win.
    await publishTestSnapshot(svc.deps, 'overrides', base.slice(0, 10).map((r) => ({ ...r, metadata: { ...r.metadata, lang: 'en', reviewed: 'yes' } })));
  });
  after(async () => {
    await svc.close();
  });

  it('derives a snapshot with filter + split + sample, as a job, with the source as parent', async () => {
    const split = { fractions: { train: 0.75, test: 0.25 }, stratifyBy: 'label', seed: 5 };
    const snap = await create(
      deriveRequest({
        sources: [{ name: 'base', snapshot: 0 }, { name: 'overrides', snapshot: 1 }],
        filter: { metadataEquals: { lang: 'en' }, metadataPresent: [], contentTypePrefix: '', minTimestampUs: 0, maxTimestampUs: 0 },
        split,
        sampleSize: 40,
        sampleSeed: 1,
        description: 'english sample',
      }),
    );
    assert.equal(snap.dataset, 'derived');
    assert.equal(snap.version, 1);
    assert.equal(snap.origin, 'derive');
    assert.equal(snap.recordCount, 40);
    assert.deepEqual(snap.parents, [{ name: 'base', snapshot: 1 }, { name: 'overrides', snapshot: 1 }]);
    assert.deepEqual(snap.splits, { train: 30, test: 10 });
    assert.equal(snap.counts?.rowsRead, 120);
    assert.equal(snap.counts?.rowsKept, 40);
    const job = await svc.deps.jobs.get(snap.jobId);
    assert.equal(job?.kind, DERIVE_JOB_KIND);
    assert.equal(job?.state, 'succeeded');

    const records = (await readAll('derived', 1)).flatMap((b) => b.records);
    assert.equal(records.length, 40);
    assert.ok(records.every((r) => r.metadata.lang === 'en' && (r.metadata.split === 'train' || r.metadata.split === 'test')));
    // Records 1, 3, 5, 7, 9 are French in base but English in the later source: present only because it won.
    const overridden = records.filter((r) => r.metadata.reviewed === 'yes');
    assert.ok(overridden.every((r) => Number(r.id.slice(1)) < 10));
    // Stratified per label: the test split holds a quarter of each label.
    for (const label of ['spam', 'ham']) {
      const ofLabel = records.filter((r) => r.metadata.label === label);
      assert.equal(ofLabel.filter((r) => r.metadata.split === 'test').length, Math.round(ofLabel.length * 0.25), label);
    }
    // Same request, same seed: the identical selection and splits in a new version.
    const again = await create(deriveRequest({ sources: [{ name: 'base', snapshot: 0 }, { name: 'overrides', snapshot: 1 }], filter: { metadataEquals: { lang: 'en' }, metadataPresent: [], contentTypePrefix: '', minTimestampUs: 0, maxTimestampUs: 0 }, split, sampleSize: 40, sampleSeed: 1 }));
    assert.equal(again.version, 2);
    assert.equal(again.contentSha256, snap.contentSha256);
  });

  it('later sources win when merging by id: records English only in the later source pass an English filter', async () => {
    const snap = await create(
      deriveRequest({
        dataset: 'merged',
        sources: [{ name: 'base', snapshot: 0 }, { name: 'overrides', snapshot: 0 }],
        filter: { metadataEquals: { lang: 'en' }, metadataPresent: [], contentTypePrefix: '', minTimestampUs: 0, maxTimestampUs: 0 },
      }),
    );
    assert.equal(snap.recordCount, 65); // 60 English in base + 5 made English by the later source
    const records = (await readAll('merged', 1)).flatMap((b) => b.records);
    assert.deepEqual(records.filter((r) => r.metadata.reviewed === 'yes').map((r) => r.id), ['r000', 'r001', 'r002', 'r003', 'r004', 'r005', 'r006', 'r007', 'r008', 'r009']);
  });

  it('re-cleans with the cleaning options: length filter, PII redaction, exact dedupe of equal content under other ids', async () => {
    await publishTestSnapshot(svc.deps, 'dirty', [
      textRecord('a', {}, 'hi'),
      textRecord('b', {}, 'write to jane@example.com today'),
      textRecord('c', {}, 'the same long enough text'),
      textRecord('d', {}, 'the  same long enough text'), // equal once normalised
    ]);
    const cleaning: ingestion.CleaningOptions = {
      dedupe: ingestion.DedupeMode.DEDUPE_MODE_EXACT,
      nearDupeThreshold: undefined,
      dedupeAgainstBase: false,
      minLengthChars: 5,
      maxLengthChars: 0,
      languages: [],
      minLanguageConfidence: undefined,
      pii: { kinds: [ingestion.PiiKind.PII_KIND_EMAIL], replacement: '', includeMetadata: false },
      normalizeText: true,
      image: undefined,
    };
    const snap = await create(deriveRequest({ dataset: 'clean', sources: [{ name: 'dirty', snapshot: 0 }], cleaning }));
    assert.equal(snap.recordCount, 2);
    assert.equal(snap.counts?.filteredLength, 1);
    assert.equal(snap.counts?.exactDuplicates, 1);
    const texts = (await readAll('clean', 1)).flatMap((b) => b.records).map((r) => r.data.toString('utf8')).sort();
    assert.deepEqual(texts, ['the same long enough text', 'write to [EMAIL] today']);
    const bad = await create(deriveRequest({ dataset: 'clean', sources: [{ name: 'dirty', snapshot: 0 }], cleaning: { ...cleaning, pii: { kinds: [ingestion.PiiKind.PII_KIND_PERSON_NAME], replacement: '', includeMetadata: false } } })).then(
      () => assert.fail('expected an error'),
      (e: unknown) => asL1g1Error(e),
    );
    assert.equal(bad.field, 'cleaning.pii.kinds[0]');
  });

  it('applies resolved review decisions of the sources: KEEP and RELABEL come back, DISCARD stays out, pending ones are ignored', async () => {
    const kept = await publishTestSnapshot(svc.deps, 'filtered', [textRecord('x1', { label: 'ham' })]);
    const item = (id: string, label: string) => ({
      id: `item-${id}`,
      dataset: 'filtered',
      version: kept.version,
      record: textRecord(id, { label }),
      reason: 'low_confidence' as const,
      givenLabel: label,
      predictedLabel: 'spam',
      confidence: 0.3,
      threshold: 0.8,
      model: { name: 'm', version: 1, alias: '' },
      jobId: 'j',
      createdAtMs: Date.now(),
    });
    await svc.deps.store.insertReviewItems([item('k1', 'ham'), item('r1', 'ham'), item('d1', 'ham'), item('p1', 'ham')], Date.now());
    const resolve = (id: string, decision: 'keep' | 'relabel' | 'discard', newLabel = '') =>
      svc.deps.store.resolveReviewItem(`item-${id}`, { decision, newLabel, note: '', resolvedBy: 'tests', atMs: Date.now() });
    await resolve('k1', 'keep');
    await resolve('r1', 'relabel', 'spam');
    await resolve('d1', 'discard');
    const snap = await create(deriveRequest({ dataset: 'filtered', sources: [{ name: 'filtered', snapshot: 0 }], applyReviewDecisions: true }));
    const records = (await readAll('filtered', snap.version)).flatMap((b) => b.records);
    assert.deepEqual(records.map((r) => [r.id, r.metadata.label]), [['k1', 'ham'], ['r1', 'spam'], ['x1', 'ham']]);
    const without = await create(deriveRequest({ dataset: 'filtered', sources: [{ name: 'filtered', snapshot: 1 }] }));
    assert.equal(without.recordCount, 1);
  });

  it('the same idempotency key answers the first snapshot instead of deriving again', async () => {
    const first = await create(deriveRequest({ dataset: 'idem', idempotencyKey: 'k-1', sampleSize: 5 }));
    const second = await create(deriveRequest({ dataset: 'idem', idempotencyKey: 'k-1', sampleSize: 5 }));
    assert.deepEqual([first.version, second.version, second.jobId], [1, 1, first.jobId]);
    const reused = await create(deriveRequest({ dataset: 'idem', idempotencyKey: 'k-1', sampleSize: 6 })).then(
      () => assert.fail('expected an error'),
      (e: unknown) => asL1g1Error(e),
    );
    assert.equal(reused.kind, 'ALREADY_EXISTS');
    assert.equal(reused.field, 'idempotency_key');
  });

  it('bad requests are INVALID_ARGUMENT naming the field, before any job; a missing source is NOT_FOUND', async () => {
    const cases: Array<[Partial<ingestion.CreateSnapshotRequest>, string]> = [
      [{ dataset: 'Bad' }, 'dataset'],
      [{ sources: [] }, 'sources'],
      [{ sources: [{ name: '', snapshot: 0 }] }, 'sources[0].name'],
      [{ split: { fractions: { train: 0.8, test: 0.3 }, stratifyBy: '', seed: undefined } }, 'split.fractions'],
      [{ sampleSize: -1 }, 'sample_size'],
    ];
    for (const [over, field] of cases) {
      const err = await create(deriveRequest(over)).then(() => assert.fail('expected an error'), (e: unknown) => asL1g1Error(e));
      assert.equal(err.kind, 'INVALID_ARGUMENT', field);
      assert.equal(err.field, field);
    }
    const missing = await create(deriveRequest({ sources: [{ name: 'nope', snapshot: 0 }] })).then(() => assert.fail('expected an error'), (e: unknown) => asL1g1Error(e));
    assert.equal(missing.kind, 'NOT_FOUND');
    assert.doesNotMatch(missing.message, /\/tmp|\.parquet/);
  });
});
