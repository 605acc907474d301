/**
 * Test fixture for the model-fed parts: a real model registry and inference
 * service (test/support/stack) and a labeling service that calls them as a
 * service (one shared internal secret), as `npm start` wires them.
 */
import { common, labeling } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import { startStack, type Stack } from '../../../../test/support/stack';
import { startTestLabeling, type TestLabeling } from './start-labeling';

export const ML_TEST_SECRET = 'labeling-ml-tests-internal-secret';

export interface MlStack {
  stack: Stack;
  labeling: TestLabeling;
  close(): Promise<void>;
}

export async function startMlStack(env: Record<string, string> = {}): Promise<MlStack> {
  const stack = await startStack({ sharedEnv: { L1G1_INTERNAL_SECRET: ML_TEST_SECRET } });
  try {
    const svc = await startTestLabeling({
      internalSecret: ML_TEST_SECRET,
      env: { L1G1_REGISTRY_ADDR: stack.registryAddr, L1G1_INFERENCE_ADDR: stack.inferenceAddr, ...env },
    });
    return {
      stack,
      labeling: svc,
      async close() {
        await svc.close();
        await stack.stop();
      },
    };
  } catch (err: unknown) {
    await stack.stop();
    throw err;
  }
}

/** Promise forms of the pre-label, job and label-issue calls. */
export function mlCalls(client: labeling.LabelingServiceClient) {
  return {
    createPrelabels: (r: labeling.DeepPartial<labeling.CreatePrelabelsRequest>) => unary(client.createPrelabels.bind(client), labeling.CreatePrelabelsRequest.fromPartial(r)),
    getJob: (jobId: string) => unary(client.getJob.bind(client), { jobId }),
    listJobs: (r: labeling.DeepPartial<labeling.ListJobsRequest>) => unary(client.listJobs.bind(client), labeling.ListJobsRequest.fromPartial(r)),
    cancelJob: (jobId: string) => unary(client.cancelJob.bind(client), { jobId }),
    nextTask: (r: labeling.DeepPartial<labeling.NextTaskRequest>) => unary(client.nextTask.bind(client), labeling.NextTaskRequest.fromPartial(r)),
    findLabelIssues: (r: labeling.DeepPartial<labeling.FindLabelIssuesRequest>) => unary(client.findLabelIssues.bind(client), labeling.FindLabelIssuesRequest.fromPartial(r)),
  };
}

/** Polls GetJob until the job leaves queued/running (bounded: `maxPolls` × 100 ms). */
export async function waitForJob(get: (id: string) => Promise<labeling.LabelingJob>, id: string, maxPolls = 1200): Promise<labeling.LabelingJob> {
  for (let i = 0; i < maxPolls; i++) {
    const job = await get(id);
    const s = job.status?.state;
    if (s !== common.JobState.JOB_STATE_QUEUED && s !== common.JobState.JOB_STATE_RUNNING) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish after ${maxPolls} polls`);
}
