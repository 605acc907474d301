import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import { ingestion } from '@l1g1/contracts';
import { asL1g1Error } from '@l1g1/kit';
import { ingest, ingestHeader } from './support/ingest-client';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

const K = ingestion.IngestionJobKind;

describe('ingestion service: one cleaning mapping for uploads and derivations, job kinds', function () {
  // Each upload starts a worker thread and a DuckDB writer: slow on a loaded machine.
  this.timeout(120_000);
  let svc: TestIngestion;
  const create = (req: ingestion.CreateSnapshotRequest): Promise<ingestion.Snapshot> =>
    new Promise((resolve, reject) => svc.client.createSnapshot(req, (err, res) => (err ? reject(asL1g1Error(err)) : resolve(res))));
  const listJobs = (kind: ingestion.IngestionJobKind, dataset: string): Promise<ingestion.IngestionJob[]> =>
    new Promise((resolve, reject) =>
      svc.client.listJobs(ingestion.ListJobsRequest.fromPartial({ kind, dataset }), (err, res) => (err ? reject(asL1g1Error(err)) : resolve(res.jobs))),
    );
  const mixed = [
    { name: 'en.txt', bytes: 'plain english words written in latin letters' },
    { name: 'zh.txt', bytes: '这是一个用中文写的句子，没有拉丁字母' },
    { name: 'el.txt', bytes: 'αυτή είναι μια ελληνική πρόταση' },
  ];

  before(async () => {
    svc = await startTestIngestion();
  });
  after(async () => {
    await svc.close();
  });

  it('accepts the ISO 639-1 code en at upload: Latin-script text kept, Chinese and Greek filtered', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'lang-up', cleaning: ingestion.CleaningOptions.fromPartial({ languages: ['en'] }) }), mixed);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    assert.equal(out.result.counts?.rowsKept, 1);
    assert.equal(out.result.counts?.filteredLanguage, 2);
  });

  it('accepts en when CreateSnapshot re-cleans, with the same outcome as the upload path', async () => {
    const raw = await ingest(svc.client, ingestHeader({ dataset: 'lang-raw' }), mixed);
    assert.ok(raw.ok, raw.ok ? '' : raw.error.message);
    const snap = await create(
      ingestion.CreateSnapshotRequest.fromPartial({ dataset: 'lang-derived', sources: [{ name: 'lang-raw', snapshot: 0 }], cleaning: ingestion.CleaningOptions.fromPartial({ languages: ['en'] }) }),
    );
    assert.equal(snap.recordCount, 1);
    assert.equal(snap.counts?.filteredLanguage, 2);
  });

  it('refuses a code the detector cannot use, on both paths, naming the field before any job runs', async () => {
    const up = await ingest(svc.client, ingestHeader({ dataset: 'lang-bad', cleaning: ingestion.CleaningOptions.fromPartial({ languages: ['en', 'xx'] }) }), mixed);
    assert.ok(!up.ok);
    assert.equal(up.error.code, status.INVALID_ARGUMENT);
    assert.match(up.error.details, /header\.cleaning\.languages\[1\]/);
    assert.equal(await svc.deps.store.getDataset('lang-bad'), undefined);
    const derived = await create(
      ingestion.CreateSnapshotRequest.fromPartial({ dataset: 'lang-bad', sources: [{ name: 'lang-raw', snapshot: 0 }], cleaning: ingestion.CleaningOptions.fromPartial({ languages: ['xx'] }) }),
    ).then(
      () => assert.fail('expected INVALID_ARGUMENT'),
      (e: unknown) => asL1g1Error(e),
    );
    assert.equal(derived.kind, 'INVALID_ARGUMENT');
    assert.equal(derived.field, 'cleaning.languages[0]');
  });

  it('names ingest and derive jobs by their kinds in ListJobs and filters by them', async () => {
    const ingests = await listJobs(K.INGESTION_JOB_KIND_INGEST, 'lang-raw');
    assert.equal(ingests.length, 1);
    assert.equal(ingests[0]?.kind, K.INGESTION_JOB_KIND_INGEST);
    const derives = await listJobs(K.INGESTION_JOB_KIND_DERIVE, 'lang-derived');
    assert.equal(derives.length, 1);
    assert.equal(derives[0]?.kind, K.INGESTION_JOB_KIND_DERIVE);
    // The filter is by kind: no derive job on the uploaded dataset, no ingest job on the derived one.
    assert.deepEqual(await listJobs(K.INGESTION_JOB_KIND_DERIVE, 'lang-raw'), []);
    assert.deepEqual(await listJobs(K.INGESTION_JOB_KIND_INGEST, 'lang-derived'), []);
  });
});
