import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { ingestion } from '@l1g1/contracts';
import { asL1g1Error } from '@l1g1/kit';
import { assignSplits, validateSplitSpec } from '../src/domain/snapshot/split-assignment';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';
import { binaryRecord, textRecord } from './snapshot-support';
import { publishTestSnapshot } from './support/publish-test-snapshot';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

type ReadRequest = ingestion.ReadRecordsRequest;
type ReadResponse = ingestion.ReadRecordsResponse;

function readRequest(over: Partial<ReadRequest>): ReadRequest {
  return { snapshot: { name: 'mail', snapshot: 0 }, filter: undefined, split: '', shardIndex: 0, shardCount: 0, resumeToken: '', limit: 0, batchSize: 0, metadataOnly: false, ...over };
}

/** Every batch of a ReadRecords stream, or the stream's error. */
function readAll(svc: TestIngestion, req: ReadRequest, stopAfterBatches = Infinity): Promise<ReadResponse[]> {
  return new Promise((resolve, reject) => {
    const batches: ReadResponse[] = [];
    const call = svc.client.readRecords(req);
    call.on('data', (b: ReadResponse) => {
      batches.push(b);
      if (batches.length === stopAfterBatches) {
        call.cancel(); // the reader goes away mid-stream
        resolve(batches);
      }
    });
    call.on('error', (err: Error & { code?: number }) => (err.code === status.CANCELLED ? resolve(batches) : reject(asL1g1Error(err))));
    call.on('end', () => resolve(batches));
  });
}

const ids = (batches: ReadResponse[]): string[] => batches.flatMap((b) => b.records.map((r) => r.id));

function diff(svc: TestIngestion, req: ingestion.DiffSnapshotsRequest): Promise<ingestion.DiffSnapshotsResponse> {
  return new Promise((resolve, reject) => svc.client.diffSnapshots(req, (err, res) => (err ? reject(asL1g1Error(err)) : resolve(res))));
}

describe('ingestion ReadRecords and DiffSnapshots through the real gRPC service', () => {
  let svc: TestIngestion;
  let records: StoredRecord[];
  before(async () => {
    svc = await startTestIngestion();
    const base = [...Array(60).keys()].map((i) =>
      i % 10 === 9
        ? binaryRecord(`r${String(i).padStart(3, '0')}`, Uint8Array.from([i, 0xff]), 'image', 'image/png', { label: 'spam' })
        : textRecord(`r${String(i).padStart(3, '0')}`, { label: i % 3 === 0 ? 'spam' : 'ham' }, `mail ${i}`, 1_000_000 + i),
    );
    records = assignSplits(base, validateSplitSpec({ fractions: { train: 0.8, test: 0.2 }, stratifyBy: 'label', seed: 42 }));
    await publishTestSnapshot(svc.deps, 'mail', records);
  });
  after(async () => {
    await svc.close();
  });

  it('reads a snapshot in batches, in id order, with payloads, the pinned version and the total in the first batch', async () => {
    const batches = await readAll(svc, readRequest({ batchSize: 7 }));
    assert.deepEqual(batches.map((b) => b.records.length), [7, 7, 7, 7, 7, 7, 7, 7, 4]);
    assert.deepEqual(ids(batches), records.map((r) => r.id));
    assert.deepEqual(batches[0]?.snapshot, { name: 'mail', snapshot: 1 });
    assert.equal(batches[0]?.totalRecords, 60);
    assert.equal(batches[1]?.totalRecords, 0);
    const r9 = batches.flatMap((b) => b.records).find((r) => r.id === 'r009');
    assert.deepEqual([...(r9?.data ?? [])], [9, 0xff]);
    assert.equal(r9?.contentType, 'image/png');
    const r1 = batches.flatMap((b) => b.records).find((r) => r.id === 'r001');
    assert.equal(r1?.data.toString('utf8'), 'mail 1');
    assert.equal(r1?.timestampUs, 1_000_001);
  });

  it('a stream cut after two batches resumes from the last token with no record lost or repeated', async () => {
    const first = await readAll(svc, readRequest({ batchSize: 8 }), 2);
    assert.equal(first.length, 2);
    const token = first[1]?.resumeToken ?? '';
    const rest = await readAll(svc, readRequest({ batchSize: 8, resumeToken: token }));
    const all = [...ids(first), ...ids(rest)];
    assert.deepEqual(all, records.map((r) => r.id));
    assert.equal(new Set(all).size, 60);
  });

  it('a resume token pins the snapshot version even after a newer snapshot is published', async () => {
    await publishTestSnapshot(svc.deps, 'pinned', records.slice(0, 20));
    const first = await readAll(svc, readRequest({ snapshot: { name: 'pinned', snapshot: 0 }, batchSize: 5 }), 1);
    await publishTestSnapshot(svc.deps, 'pinned', records.slice(20, 60));
    const rest = await readAll(svc, readRequest({ snapshot: { name: 'pinned', snapshot: 0 }, batchSize: 5, resumeToken: first[0]?.resumeToken ?? '' }));
    assert.deepEqual(rest[0]?.snapshot, { name: 'pinned', snapshot: 1 });
    assert.deepEqual([...ids(first), ...ids(rest)], records.slice(0, 20).map((r) => r.id));
  });

  it('shards partition the records between readers', async () => {
    const shards = await Promise.all([0, 1, 2].map((shardIndex) => readAll(svc, readRequest({ shardIndex, shardCount: 3 }))));
    const all = shards.flatMap(ids);
    assert.equal(all.length, 60);
    assert.deepEqual([...all].sort(), records.map((r) => r.id));
    for (const s of shards) {
      assert.ok(ids(s).length > 0);
      assert.equal(s[0]?.totalRecords, ids(s).length);
    }
  });

  it('the split filter, the record filter and the limit select records; total_records counts the selection', async () => {
    const train = await readAll(svc, readRequest({ split: 'train' }));
    const expected = records.filter((r) => r.metadata.split === 'train').map((r) => r.id);
    assert.deepEqual(ids(train), expected);
    assert.equal(train[0]?.totalRecords, expected.length);
    const images = await readAll(svc, readRequest({ filter: { metadataEquals: {}, metadataPresent: [], contentTypePrefix: 'image/', minTimestampUs: 0, maxTimestampUs: 0 } }));
    assert.deepEqual(ids(images), ['r009', 'r019', 'r029', 'r039', 'r049', 'r059']);
    const limited = await readAll(svc, readRequest({ limit: 10, batchSize: 4 }));
    assert.deepEqual(ids(limited), records.slice(0, 10).map((r) => r.id));
    const meta = await readAll(svc, readRequest({ metadataOnly: true, limit: 3 }));
    assert.ok(meta.flatMap((b) => b.records).every((r) => r.data.length === 0 && r.metadata.label !== undefined));
  });

  it('splits stored in the snapshot are stratified per label and identical to a second assignment with the same seed', async () => {
    const again = assignSplits(records.map((r) => ({ ...r, metadata: { label: r.metadata.label ?? '' } })), validateSplitSpec({ fractions: { train: 0.8, test: 0.2 }, stratifyBy: 'label', seed: 42 }));
    const read = (await readAll(svc, readRequest({}))).flatMap((b) => b.records);
    assert.deepEqual(read.map((r) => r.metadata.split), again.map((r) => r.metadata.split));
    for (const label of ['spam', 'ham']) {
      const ofLabel = read.filter((r) => r.metadata.label === label);
      const test = ofLabel.filter((r) => r.metadata.split === 'test').length;
      assert.equal(test, Math.round(ofLabel.length * 0.2), label);
    }
  });

  it('bad requests are INVALID_ARGUMENT naming the field; an unknown dataset is NOT_FOUND; the service keeps serving', async () => {
    const token = (await readAll(svc, readRequest({ split: 'train', batchSize: 5 }), 1))[0]?.resumeToken ?? '';
    const cases: Array<[Partial<ReadRequest>, string]> = [
      [{ split: 'test', resumeToken: token }, 'resume_token'],
      [{ resumeToken: 'garbage!' }, 'resume_token'],
      [{ batchSize: 5000 }, 'batch_size'],
      [{ shardIndex: 3, shardCount: 3 }, 'shard_index'],
      [{ snapshot: { name: 'Bad Name', snapshot: 0 } }, 'snapshot.name'],
      [{ snapshot: undefined }, 'snapshot.name'],
    ];
    for (const [over, field] of cases) {
      const err = await readAll(svc, readRequest(over)).then(() => assert.fail('expected an error'), (e: unknown) => asL1g1Error(e));
      assert.equal(err.kind, 'INVALID_ARGUMENT', field);
      assert.equal(err.field, field);
    }
    const missing = await readAll(svc, readRequest({ snapshot: { name: 'nope', snapshot: 0 } })).then(() => assert.fail('expected an error'), (e: unknown) => asL1g1Error(e));
    assert.equal(missing.kind, 'NOT_FOUND');
    assert.equal(ids(await readAll(svc, readRequest({ limit: 1 }))).length, 1);
  });

  it('DiffSnapshots counts added, removed and metadata-changed records and pages the changes', async () => {
    const before = [textRecord('a', { label: 'x' }), textRecord('b', { label: 'x', note: 'n' }), textRecord('c', { label: 'x' }), textRecord('d', { label: 'x' })];
    const after = [textRecord('b', { label: 'y' }), textRecord('c', { label: 'x' }), textRecord('d', { label: 'z' }), textRecord('e', { label: 'x' })];
    await publishTestSnapshot(svc.deps, 'diffed', before);
    await publishTestSnapshot(svc.deps, 'diffed', after);
    const req: ingestion.DiffSnapshotsRequest = { dataset: 'diffed', fromVersion: 1, toVersion: 2, includeChanges: true, page: { pageSize: 2, pageToken: '' } };
    const page1 = await diff(svc, req);
    assert.deepEqual([page1.added, page1.removed, page1.metadataChanged, page1.unchanged], [1, 1, 2, 1]);
    assert.deepEqual(page1.changes, [
      { recordId: 'a', kind: ingestion.ChangeKind.CHANGE_KIND_REMOVED, metadataBefore: { label: 'x' }, metadataAfter: {} },
      { recordId: 'b', kind: ingestion.ChangeKind.CHANGE_KIND_METADATA_CHANGED, metadataBefore: { label: 'x', note: 'n' }, metadataAfter: { label: 'y' } },
    ]);
    const page2 = await diff(svc, { ...req, page: { pageSize: 2, pageToken: page1.page?.nextPageToken ?? '' } });
    assert.deepEqual(page2.changes.map((c) => [c.recordId, c.kind]), [['d', ingestion.ChangeKind.CHANGE_KIND_METADATA_CHANGED], ['e', ingestion.ChangeKind.CHANGE_KIND_ADDED]]);
    assert.equal(page2.page?.nextPageToken, '');
    const countsOnly = await diff(svc, { ...req, includeChanges: false, page: undefined });
    assert.deepEqual([countsOnly.added, countsOnly.changes.length], [1, 0]);
    const bad = await diff(svc, { ...req, fromVersion: 0 }).then(() => assert.fail('expected an error'), (e: unknown) => asL1g1Error(e));
    assert.equal(bad.field, 'from_version');
  });
});
