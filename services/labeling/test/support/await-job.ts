/** Polls GetJob until the labeling job ends (bounded: a job that never ends fails the test, it does not hang it). */
import { common, type labeling } from '@l1g1/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { calls } from './calls';

const ENDED = new Set([common.JobState.JOB_STATE_SUCCEEDED, common.JobState.JOB_STATE_FAILED, common.JobState.JOB_STATE_CANCELLED]);

export async function awaitJob(api: ReturnType<typeof calls>, jobId: string, maxPolls = 400): Promise<labeling.LabelingJob> {
  for (let i = 0; i < maxPolls; i++) {
    const job = await api.getJob(jobId);
    if (job.status && ENDED.has(job.status.state)) return job;
    await sleep(50);
  }
  throw new Error(`job ${jobId} did not end after ${maxPolls} polls`);
}
