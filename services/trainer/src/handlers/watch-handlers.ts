/**
 * WatchJob (a server stream over the job's kit event log: replay after
 * `after_sequence`, then live, ending after the terminal status event) and
 * ListCheckpoints (the job's checkpoint rows, keyset-paged by step).
 */
import type { trainer } from '@l1g1/contracts';
import { cancellationSignal, decodeKeysetPageToken, encodeKeysetPageToken, errors, filterFingerprint, watchJob, writeWithBackpressure, type AsyncService } from '@l1g1/kit';
import type { TrainerDeps } from '../deps';
import { createStepOnceFilter } from '../domain/jobs/step-once';
import { toCheckpoint, toTrainingEvent } from '../domain/jobs/training-events';
import { findTrainingJob } from './job-handlers';

type Handlers = Pick<AsyncService<trainer.TrainerServiceService>, 'watchJob' | 'listCheckpoints'>;

export function createWatchHandlers(deps: TrainerDeps): Handlers {
  const uriOf = (sha: string): string => deps.blobs.uriOf(sha);
  return {
    async watchJob(req, call) {
      if (!Number.isSafeInteger(req.afterSequence) || req.afterSequence < 0) throw errors.invalidArgument('after_sequence', 'must be a non-negative integer');
      let job = await findTrainingJob(deps, req.jobId);
      const signal = cancellationSignal(call);
      const shown = createStepOnceFilter();
      for await (const e of watchJob(deps.jobs, req.jobId, req.afterSequence, signal)) {
        if (!shown(e)) continue;
        // Status events carry the job's current figures: re-read it for those only (they are rare).
        if (e.type === 'state') job = await findTrainingJob(deps, req.jobId);
        const event = toTrainingEvent(job, e, uriOf);
        if (event) await writeWithBackpressure(call, event, signal);
      }
    },
    async listCheckpoints(req) {
      await findTrainingJob(deps, req.jobId);
      const n = req.page?.pageSize ?? 0;
      if (!Number.isInteger(n) || n < 0) throw errors.invalidArgument('page.page_size', 'must be a non-negative integer');
      const limit = n === 0 ? 50 : Math.min(n, 1000);
      const fp = filterFingerprint({ job: req.jobId });
      const cursor = decodeKeysetPageToken(req.page?.pageToken ?? '', 'trainer-checkpoints', fp);
      const after = cursor ? { step: cursor.n, id: cursor.id } : undefined;
      const rows = await deps.checkpoints.list(req.jobId, { ...(after ? { afterStep: after.step, afterId: after.id } : {}), limit: limit + 1 });
      const shown = rows.slice(0, limit);
      const last = shown[shown.length - 1];
      return {
        checkpoints: shown.map((r) => toCheckpoint(r, uriOf)),
        page: { nextPageToken: rows.length > limit && last ? encodeKeysetPageToken('trainer-checkpoints', fp, { n: last.step, id: last.id }) : '', totalSize: 0 },
      };
    },
  };
}
