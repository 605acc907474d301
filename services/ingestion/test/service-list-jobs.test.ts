/**
 * ListJobs' dataset filter is a store lookup by the job's subject
 * (`dataset:<name>`, set at submit), exact over every job: an upload's job
 * behind more newer jobs than the former scan window (20 pages of 500) is
 * still found, and other services' jobs sharing the store never show. A real
 * ingestion service over gRPC on its own SQLite job file.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { ingestion } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import { fillJobStore, FORMER_SCAN_WINDOW } from '../../../test/support/job-filler';
import { ingest, ingestHeader } from './support/ingest-client';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

describe('ingestion ListJobs filters (store subjects, real service over gRPC)', function () {
  this.timeout(90_000);
  let svc: TestIngestion;
  before(async () => {
    svc = await startTestIngestion();
  });
  after(async () => svc?.close());

  const list = (req: ingestion.DeepPartial<ingestion.ListJobsRequest>) => unary(svc.client.listJobs.bind(svc.client), ingestion.ListJobsRequest.fromPartial(req));

  it('finds an upload job by dataset behind more newer jobs than the former scan window; jobs of other services never show', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'old-ds' }), [{ name: 'a.txt', bytes: 'one line' }]);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const [ours] = (await list({ dataset: 'old-ds' })).jobs;
    assert.ok(ours?.status?.jobId);
    // Another service's jobs in the same store (a shared PostgreSQL in scaled mode), all newer, about a dataset too.
    await fillJobStore(join(svc.config.ingestionDir, 'jobs.db'), { kind: 'other.filler', subjects: ['dataset:old-ds'], count: FORMER_SCAN_WINDOW + 1 });

    const byDataset = await list({ dataset: 'old-ds' });
    assert.deepEqual(byDataset.jobs.map((j) => j.status?.jobId), [ours.status.jobId], 'ours only: the other kind is filtered in the store');
    assert.equal(byDataset.page?.nextPageToken, '');
    const unfiltered = await list({ page: { pageSize: 5 } });
    assert.deepEqual(unfiltered.jobs.map((j) => j.status?.jobId), [ours.status.jobId], 'no filter: still only ingestion jobs, complete');
    assert.equal(unfiltered.page?.nextPageToken, '');
    const byKind = await list({ kind: ingestion.IngestionJobKind.INGESTION_JOB_KIND_INGEST, dataset: 'old-ds' });
    assert.equal(byKind.jobs.length, 1);
    assert.deepEqual((await list({ kind: ingestion.IngestionJobKind.INGESTION_JOB_KIND_DERIVE, dataset: 'old-ds' })).jobs, []);
    await assert.rejects(list({ dataset: 'Bad Name' }), (e: unknown) => (e as { field?: string }).field === 'dataset');
  });
});
