import { strict as assert } from 'node:assert';
import type { PublishInput } from '../src/adapters/snapshot-publisher';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

function rec(id: string, text: string, metadata: Record<string, string> = {}): StoredRecord {
  return { id: id.repeat(64).slice(0, 64), modality: 'text', contentType: 'text/plain', data: new Uint8Array(Buffer.from(text)), metadata };
}

async function* from(records: StoredRecord[], failAfter?: number): AsyncIterable<StoredRecord> {
  let n = 0;
  for (const r of records) {
    if (failAfter !== undefined && n === failAfter) throw new Error('source broke');
    n += 1;
    yield r;
  }
}

function input(dataset: string, over: Partial<PublishInput> = {}): PublishInput {
  return {
    dataset,
    origin: 'upload',
    jobId: 'job-1',
    parents: [],
    description: 'd',
    tags: { k: 'v' },
    createdBy: 'tests',
    counts: { rows_read: 3, rows_kept: 3 },
    cleaning: { dedupe: 'exact' },
    cleaningReport: [{ step: 'exact_dedupe', dropped: 0 }],
    uploadReport: { files: [] },
    sources: [{ name: 'a.txt', sha256: 'x', size_bytes: 3 }],
    ...over,
  };
}

describe('ingestion: snapshot publisher and reader access', () => {
  let svc: TestIngestion;
  before(async () => {
    svc = await startTestIngestion();
  });
  after(async () => {
    await svc.close();
  });

  it('publishes records as version 1, 2 ... and reads them back sorted by id, version 0 meaning the latest', async () => {
    const { publisher, snapshots } = svc.deps;
    const v1 = await publisher.publish(input('pub'), from([rec('b', 'bee', { split: 'train' }), rec('a', 'ay', { split: 'test', label: 'x' })]));
    const v2 = await publisher.publish(input('pub', { parents: [{ dataset: 'pub', version: 1 }] }), from([rec('c', 'sea')]));
    assert.deepEqual([v1.version, v2.version], [1, 2]);
    assert.equal(v1.recordCount, 2);
    assert.deepEqual(v1.splits, { train: 1, test: 1 });
    assert.deepEqual(v1.contentTypes, { 'text/plain': 2 });
    assert.deepEqual(v1.metadataKeys, { split: 2, label: 1 });
    assert.match(v1.contentSha256, /^[0-9a-f]{64}$/);

    const first = await snapshots.open({ dataset: 'pub', version: 1 });
    const texts: string[] = [];
    for await (const r of first.records()) texts.push(Buffer.from(r.data).toString());
    assert.deepEqual(texts, ['ay', 'bee']);
    const latest = await snapshots.open({ dataset: 'pub', version: 0 });
    assert.deepEqual(latest.ref, { dataset: 'pub', version: 2 });
    assert.deepEqual(latest.info.parents, [{ dataset: 'pub', version: 1 }]);

    const manifest = await snapshots.manifest(first.info);
    assert.equal(manifest['dataset'], 'pub');
    assert.equal(manifest['version'], 1);
    assert.equal(manifest['record_count'], 2);
    assert.equal(manifest['data_sha256'], first.info.dataSha256);
    assert.deepEqual(manifest['sources'], [{ name: 'a.txt', sha256: 'x', size_bytes: 3 }]);
    assert.deepEqual(manifest['cleaning_report'], [{ step: 'exact_dedupe', dropped: 0 }]);
  });

  it('answers NOT_FOUND naming the dataset and version', async () => {
    await assert.rejects(svc.deps.snapshots.open({ dataset: 'pub', version: 99 }), (err: Error) => /pub version 99/.test(err.message));
    await assert.rejects(svc.deps.snapshots.open({ dataset: 'nothing-here', version: 0 }), (err: Error) => /nothing-here/.test(err.message));
  });

  it('leaves no snapshot and no dataset row when the records fail mid-way', async () => {
    await assert.rejects(svc.deps.publisher.publish(input('broken'), from([rec('a', '1'), rec('b', '2')], 1)), /source broke/);
    assert.equal(await svc.deps.store.getDataset('broken'), undefined);
  });

  it('never publishes for a cancelled job', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(svc.deps.publisher.publish(input('cancelled', { signal: controller.signal }), from([rec('a', '1')])), { reason: 'JOB_CANCELLED' });
    assert.equal(await svc.deps.store.getDataset('cancelled'), undefined);
  });
});
