import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import { ingestion } from '@l1g1/contracts';
import { recordText } from '../src/domain/snapshot/stored-record';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';
import { ingest, ingestHeader } from './support/ingest-client';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

async function recordsOf(svc: TestIngestion, dataset: string, version = 0): Promise<StoredRecord[]> {
  const snap = await svc.deps.snapshots.open({ dataset, version });
  const out: StoredRecord[] = [];
  for await (const r of snap.records()) out.push(r);
  return out;
}

describe('ingestion service: Ingest', function () {
  // Each upload starts a worker thread and a DuckDB writer: slow on a loaded machine.
  this.timeout(120_000);
  let svc: TestIngestion;
  before(async () => {
    svc = await startTestIngestion();
  });
  after(async () => {
    await svc.close();
  });

  it('ingests JSONL and CSV files into snapshot 1 with text, metadata and counts', async () => {
    const jsonl = ['{"text":"hello world","label":"a"}', '{"text":"second line","label":"b"}', '{"text":"hello world","label":"a"}'].join('\n');
    const csv = 'text,label\nfrom csv,c\n';
    const out = await ingest(
      svc.client,
      ingestHeader({ dataset: 'basic', recordMetadata: { origin: 'tests' }, formatOptions: { $case: 'jsonl', value: ingestion.JsonlOptions.fromPartial({ dataField: 'text' }) } }),
      [
        { name: 'a.jsonl', bytes: jsonl, recordMetadata: { batch: '1' } },
        { name: 'b.csv', bytes: csv },
      ],
    );
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const r = out.result;
    assert.deepEqual(r.snapshot, { name: 'basic', snapshot: 1 });
    assert.equal(r.replayed, false);
    assert.equal(r.counts?.filesRead, 2);
    assert.equal(r.counts?.rowsRead, 4);
    assert.equal(r.counts?.rowsKept, 3);
    assert.equal(r.counts?.exactDuplicates, 1);
    assert.equal(r.counts?.rowsFailed, 0);
    const records = await recordsOf(svc, 'basic');
    const byText = new Map(records.map((x) => [recordText(x), x]));
    // A CSV row without a data_column is the row as a JSON object.
    assert.deepEqual([...byText.keys()].sort(), ['hello world', 'second line', '{"text":"from csv","label":"c"}']);
    const hello = byText.get('hello world');
    assert.equal(hello?.metadata['source_file'], 'a.jsonl');
    assert.equal(hello?.metadata['line'], '1');
    assert.equal(hello?.metadata['label'], 'a');
    assert.equal(hello?.metadata['origin'], 'tests');
    assert.equal(hello?.metadata['batch'], '1');
    const row = byText.get('{"text":"from csv","label":"c"}');
    assert.equal(row?.metadata['source_file'], 'b.csv');
    assert.equal(row?.metadata['batch'], undefined);
    assert.match(hello?.id ?? '', /^[0-9a-f]{64}$/);
  });

  it('ends the upload job with progress 1 and the final counters, not the last throttled report', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'progress-final' }), [{ name: 'p.txt', bytes: 'a final figure' }]);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const jobs = await new Promise<ingestion.IngestionJob[]>((resolve, reject) =>
      svc.client.listJobs(ingestion.ListJobsRequest.fromPartial({ kind: ingestion.IngestionJobKind.INGESTION_JOB_KIND_INGEST, dataset: 'progress-final' }), (err, res) =>
        err ? reject(err) : resolve(res.jobs),
      ),
    );
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]?.status?.progress, 1);
    assert.equal(jobs[0]?.status?.counters['rows_kept'], out.result.counts?.rowsKept);
    assert.equal(jobs[0]?.status?.counters['files_read'], 1);
  });

  it('replays an identical second upload: same snapshot, replayed, nothing added', async () => {
    const files = [{ name: 'same.txt', bytes: 'one and the same text' }];
    const first = await ingest(svc.client, ingestHeader({ dataset: 'idem' }), files);
    const second = await ingest(svc.client, ingestHeader({ dataset: 'idem' }), files);
    assert.ok(first.ok && second.ok);
    assert.deepEqual(second.result.snapshot, first.result.snapshot);
    assert.equal(second.result.replayed, true);
    assert.equal((await svc.deps.store.getDataset('idem'))?.snapshotCount, 1);
  });

  it('refuses a bad header with INVALID_ARGUMENT naming the field, keeping nothing', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'Bad Name' }), [{ name: 'x.txt', bytes: 'x' }]);
    assert.ok(!out.ok);
    assert.equal(out.error.code, status.INVALID_ARGUMENT);
    assert.match(out.error.details, /header\.dataset/);
    assert.equal(await svc.deps.store.getDataset('Bad Name'), undefined);
  });

  it('reports a malformed file with its name and line while keeping the other files', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'mixed' }), [
      { name: 'good.jsonl', bytes: '{"text":"fine"}\n' },
      { name: 'bad.jsonl', bytes: '{"text":"ok"}\n{"text": broken\n' },
    ]);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    assert.equal(out.result.counts?.rowsFailed, 1);
    const [err] = out.result.errors;
    assert.equal(err?.file, 'bad.jsonl');
    assert.equal(err?.row, 2);
    assert.match(err?.message ?? '', /bad\.jsonl/);
    const texts = (await recordsOf(svc, 'mixed')).map((r) => recordText(r));
    assert.equal(texts.length, 1);
    assert.match(texts[0] ?? '', /fine/);
  });
});
