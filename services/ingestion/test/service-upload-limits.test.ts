/**
 * Uploads at the edges of what one Ingest holds: thousands of files (the
 * file list lives in the spool, not in the job's capped params), and an
 * upload whose every file fails (nothing is published, the errors say why).
 */
import { strict as assert } from 'node:assert';
import { ingest, ingestHeader, type UploadFile } from './support/ingest-client';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

describe('ingestion service: upload limits', function () {
  // Thousands of files through a worker thread and a Parquet writer: slow on a loaded machine.
  this.timeout(300_000);
  let svc: TestIngestion;
  before(async () => {
    svc = await startTestIngestion();
  });
  after(async () => {
    await svc.close();
  });

  it('ingests 3,000 tiny TXT files in one Ingest call (the file list does not go into the job params)', async () => {
    const files: UploadFile[] = [];
    for (let i = 0; i < 3000; i++) files.push({ name: `notes/file-${String(i).padStart(4, '0')}.txt`, bytes: `note number ${i}\n` });
    const out = await ingest(svc.client, ingestHeader({ dataset: 'many-files' }), files, 280_000);
    assert.ok(out.ok, out.ok ? '' : `${out.error.code} ${out.error.details}`);
    assert.deepEqual(out.result.snapshot, { name: 'many-files', snapshot: 1 });
    assert.equal(out.result.counts?.filesRead, 3000);
    assert.equal(out.result.counts?.rowsKept, 3000);
    assert.deepEqual(out.result.errors, []);
    const snap = await svc.deps.snapshots.open({ dataset: 'many-files', version: 1 });
    let n = 0;
    for await (const record of snap.records()) n += record.id ? 1 : 0;
    assert.equal(n, 3000);
    const job = (await svc.deps.jobs.list({ kind: 'ingestion.ingest' }))[0];
    assert.ok(job);
    assert.ok(Buffer.byteLength(JSON.stringify(job.params)) < 4096, 'the params hold a reference to the file list, not the list');
  });

  it('publishes nothing when every file of the upload failed, answering no snapshot and the errors', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'all-broken' }), [
      { name: 'one.json', bytes: '{"text": "never closed"' },
      { name: 'two.json', bytes: '[{"text": "ok"}, {"text": ' },
    ]);
    assert.ok(out.ok, out.ok ? '' : `${out.error.code} ${out.error.details}`);
    assert.equal(out.result.snapshot, undefined);
    assert.equal(out.result.counts?.rowsKept, 0);
    assert.deepEqual(out.result.errors.map((e) => e.file).sort(), ['one.json', 'two.json']);
    for (const e of out.result.errors) assert.match(e.message, new RegExp(e.file.replace('.', '\\.')));
    assert.equal(await svc.deps.store.getDataset('all-broken'), undefined);
  });

  it('still publishes when some files fail and others parse', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'half-broken' }), [
      { name: 'bad.json', bytes: '{"text": "never closed"' },
      { name: 'good.txt', bytes: 'a line that parses\n' },
    ]);
    assert.ok(out.ok, out.ok ? '' : `${out.error.code} ${out.error.details}`);
    assert.deepEqual(out.result.snapshot, { name: 'half-broken', snapshot: 1 });
    assert.equal(out.result.counts?.rowsKept, 1);
    assert.deepEqual(out.result.errors.map((e) => e.file), ['bad.json']);
  });
});
