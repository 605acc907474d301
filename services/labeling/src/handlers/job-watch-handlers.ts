/**
 * WatchJob: a server stream over the job's kit event log (replay after
 * `after_sequence`, then live, ending after the terminal state event), each
 * event with the job as it then is (re-read on state events only: they are rare).
 */
import type { labeling } from '@l1g1/contracts';
import { cancellationSignal, errors, watchJob, writeWithBackpressure, type AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { LABELING_JOB_KINDS, toLabelingJob, type LabelingJobKindDef } from '../jobs';
import { findLabelingJob } from './job-handlers';

type Handlers = Pick<AsyncService<labeling.LabelingServiceService>, 'watchJob'>;

export function createJobWatchHandlers(deps: Pick<LabelingDeps, 'jobs'>, kinds: readonly LabelingJobKindDef[] = LABELING_JOB_KINDS): Handlers {
  return {
    async watchJob(req, call) {
      if (!Number.isSafeInteger(req.afterSequence) || req.afterSequence < 0) throw errors.invalidArgument('after_sequence', 'must be a non-negative integer');
      let job = await findLabelingJob(deps, req.jobId);
      const signal = cancellationSignal(call);
      for await (const e of watchJob(deps.jobs, req.jobId, req.afterSequence, signal)) {
        if (e.type === 'state') job = await findLabelingJob(deps, req.jobId);
        const event: labeling.LabelingJobEvent = { sequence: e.id, type: e.type, at: new Date(e.atMs), job: toLabelingJob(job, kinds), dataJson: JSON.stringify(e.data) };
        await writeWithBackpressure(call, event, signal);
      }
    },
  };
}
