/**
 * ListJobs' model_name and dataset filters are store lookups by the job's
 * subjects (set at CreateTrainingJob), exact over every job: a job behind
 * more newer training jobs than the former scan window (20 pages of 500) is
 * still found, and one an older build stored without subjects is found after
 * the trainer's startup backfill. Real ingestion, real trainer over gRPC, the
 * trainer's own SQLite job file.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, trainer } from '@l1g1/contracts';
import { L1g1Error, openSqlite, unary } from '@l1g1/kit';
import { fillJobStore, FORMER_SCAN_WINDOW } from '../../../test/support/job-filler';
import { startTestIngestion, TEST_INTERNAL_SECRET, type TestIngestion } from '../../ingestion/test/support/start-ingestion';
import { startTestTrainer, type TestTrainer } from './support/start-trainer';
import { mlpSpec, publishRecords, separableRecords } from './support/training-data';

describe('trainer ListJobs filters (store subjects, real ingestion + trainer over gRPC)', function () {
  this.timeout(90_000);
  let ing: TestIngestion;
  let tr: TestTrainer | undefined;
  let dataDir = '';

  before(async () => {
    ing = await startTestIngestion();
    await publishRecords(ing, 'points', separableRecords(40, 4));
    await publishRecords(ing, 'other-points', separableRecords(40, 4));
    dataDir = mkdtempSync(join(tmpdir(), 'l1g1-trainer-list-'));
  });
  after(async () => {
    await tr?.close();
    await ing?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (): Promise<TestTrainer> => startTestTrainer({ ingestionAddress: ing.service.address, internalSecret: TEST_INTERNAL_SECRET, dataDir });
  const list = (t: TestTrainer, req: trainer.DeepPartial<trainer.ListJobsRequest>) => unary(t.client.listJobs.bind(t.client), trainer.ListJobsRequest.fromPartial(req));
  /** A job registering into `model`, cancelled at once: the test is about listing, not training. */
  const created = async (t: TestTrainer, model: string, dataset: string): Promise<string> => {
    const spec = trainer.TrainingSpec.fromPartial({ ...mlpSpec(dataset), registerAs: { modelName: model } });
    const job = await unary(t.client.createTrainingJob.bind(t.client), trainer.CreateTrainingJobRequest.fromPartial({ spec }));
    const id = job.status?.jobId ?? '';
    await unary(t.client.cancelJob.bind(t.client), { jobId: id });
    return id;
  };

  it('finds, after a restart, a job an older build stored without subjects (startup backfill from its params)', async () => {
    tr = await start();
    const legacy = await created(tr, 'legacy-model', 'points');
    await tr.close();
    tr = undefined;
    // As the build before subjects left it: the column NULL, no index rows.
    const db = openSqlite(join(dataDir, 'trainer', 'jobs.db'), []);
    try {
      db.prepare('UPDATE jobs SET subjects = NULL WHERE id = ?').run(legacy);
      db.prepare('DELETE FROM job_subjects WHERE job_id = ?').run(legacy);
    } finally {
      db.close();
    }
    tr = await start();
    assert.deepEqual((await list(tr, { modelName: 'legacy-model' })).jobs.map((j) => j.status?.jobId), [legacy]);
  });

  it('finds a job by model and by dataset behind more newer training jobs than the former scan window, and pages the rest exactly', async () => {
    // Filler jobs stay queued (never claimable): this test runs last, as they fill the trainer's queue cap.
    tr ??= await start();
    const ours = await created(tr, 'old-model', 'other-points');
    const sibling = await created(tr, 'old-model', 'points');
    await fillJobStore(join(tr.config.trainerDir, 'jobs.db'), { kind: 'trainer.train', subjects: ['model:busy-model', 'dataset:points'], count: FORMER_SCAN_WINDOW + 1 });

    const byModel = await list(tr, { modelName: 'old-model' });
    assert.deepEqual(byModel.jobs.map((j) => j.status?.jobId), [sibling, ours], 'both, newest first');
    assert.equal(byModel.page?.nextPageToken, '', 'nothing more: the answer is complete, not a window');
    assert.deepEqual((await list(tr, { dataset: 'other-points' })).jobs.map((j) => j.status?.jobId), [ours]);
    assert.deepEqual((await list(tr, { modelName: 'old-model', dataset: 'points' })).jobs.map((j) => j.status?.jobId), [sibling], 'both filters apply');
    assert.deepEqual((await list(tr, { modelName: 'old-model', state: common.JobState.JOB_STATE_SUCCEEDED })).jobs, [], 'with a state no such job is in');

    // Pages of the busy dataset continue exactly from the token, across the filler jobs.
    const first = await list(tr, { dataset: 'points', page: { pageSize: 2 } });
    const second = await list(tr, { dataset: 'points', page: { pageSize: 2, pageToken: first.page?.nextPageToken ?? '' } });
    const ids = [...first.jobs, ...second.jobs].map((j) => j.status?.jobId);
    assert.equal(new Set(ids).size, 4, 'no job twice');
    assert.notEqual(second.page?.nextPageToken, '');
    await assert.rejects(
      list(tr, { modelName: 'old-model', page: { pageSize: 2, pageToken: first.page?.nextPageToken ?? '' } }),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'page.page_token',
    );
  });
});
