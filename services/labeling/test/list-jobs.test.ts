/**
 * ListJobs' project filter is a store lookup by the job's subject
 * (`project:<id>`, set at submit), exact over every job: a project's export
 * behind more newer jobs than the former scan window (20 pages of 500) is
 * still found, and one an older build stored without subjects is found after
 * the service's startup backfill. A real labeling service over gRPC on its
 * own SQLite files (its exports fail later for want of an ingestion service;
 * listing is what is tested).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labeling } from '@l1g1/contracts';
import { openSqlite } from '@l1g1/kit';
import { fillJobStore, FORMER_SCAN_WINDOW } from '../../../test/support/job-filler';
import { calls, labelClass, refusal, textRecord } from './support/calls';
import { startTestLabeling, type TestLabeling } from './support/start-labeling';

describe('labeling ListJobs project filter (store subjects, real service over gRPC)', function () {
  this.timeout(90_000);
  let lab: TestLabeling | undefined;
  let dataDir = '';
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'l1g1-labeling-list-'));
  });
  after(async () => {
    await lab?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (): Promise<ReturnType<typeof calls>> => {
    lab = await startTestLabeling({ dataDir });
    return calls(lab.client);
  };
  /** A one-task project and its queued export job's id. */
  const exported = async (api: ReturnType<typeof calls>, name: string): Promise<{ projectId: string; jobId: string }> => {
    const p = await api.createProject({ name, labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('a'), labelClass('b')] } });
    await api.importTasks({ projectId: p.id, records: [textRecord('r1', 'one')] });
    const job = await api.exportToSnapshot({ projectId: p.id, dataset: `${name}-labels`, includeIncomplete: true });
    return { projectId: p.id, jobId: job.status?.jobId ?? '' };
  };

  it('finds, after a restart, a job an older build stored without subjects (startup backfill from its params)', async () => {
    let api = await start();
    const legacy = await exported(api, 'legacy');
    await lab?.close();
    lab = undefined;
    // As the build before subjects left it: the column NULL, no index rows.
    const db = openSqlite(join(dataDir, 'labeling', 'jobs.db'), []);
    try {
      db.prepare('UPDATE jobs SET subjects = NULL WHERE id = ?').run(legacy.jobId);
      db.prepare('DELETE FROM job_subjects WHERE job_id = ?').run(legacy.jobId);
    } finally {
      db.close();
    }
    api = await start();
    assert.deepEqual((await api.listJobs({ projectId: legacy.projectId })).jobs.map((j) => j.status?.jobId), [legacy.jobId]);
  });

  // Last: the filler jobs stay queued (never claimable) and fill the kind's open-job cap.
  it("finds a project's job behind more newer jobs of another project than the former scan window, and pages that project exactly", async () => {
    const api = lab ? calls(lab.client) : await start();
    const ours = await exported(api, 'quiet');
    const busy = await exported(api, 'busy');
    await fillJobStore(join(dataDir, 'labeling', 'jobs.db'), { kind: 'labeling.export_to_snapshot', subjects: [`project:${busy.projectId}`], count: FORMER_SCAN_WINDOW + 1 });

    const found = await api.listJobs({ projectId: ours.projectId });
    assert.deepEqual(found.jobs.map((j) => j.status?.jobId), [ours.jobId]);
    assert.equal(found.page?.nextPageToken, '', 'complete, not a window');
    assert.deepEqual((await api.listJobs({ projectId: ours.projectId, kind: labeling.LabelingJobKind.LABELING_JOB_KIND_PRELABEL })).jobs, []);
    const first = await api.listJobs({ projectId: busy.projectId, page: { pageSize: 3 } });
    const second = await api.listJobs({ projectId: busy.projectId, page: { pageSize: 3, pageToken: first.page?.nextPageToken ?? '' } });
    assert.equal(new Set([...first.jobs, ...second.jobs].map((j) => j.status?.jobId)).size, 6, 'two pages, no job twice');
    assert.notEqual(second.page?.nextPageToken, '');
    assert.equal((await refusal(api.listJobs({ projectId: 'has space' }))).field, 'project_id');
  });
});
