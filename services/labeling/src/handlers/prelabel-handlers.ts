/**
 * CreatePrelabels: checks the request against the project, pins the model
 * version and plans the input layout, then queues a `labeling.prelabel` job
 * through the shared labeling job plumbing (GetJob/ListJobs/CancelJob live
 * in job-handlers.ts).
 */
import { labeling } from '@l1g1/contracts';
import { actorOf, type AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { LABELING_JOB_KINDS, PRELABEL_JOB_KIND, submitLabelingJob, toLabelingJob } from '../jobs';
import { checkPrelabelRequest, encodePrelabelPlan, planPrelabels } from '../prelabels/prelabel-plan';
import { loadProject } from './load-project';

type Service = AsyncService<labeling.LabelingServiceService>;

/** A failed attempt (inference restarting) is retried this many times in all. */
const MAX_ATTEMPTS = 3;

export function createPrelabelHandlers(deps: Pick<LabelingDeps, 'store' | 'jobs' | 'models' | 'config'>): Pick<Service, 'createPrelabels'> {
  const { store, jobs } = deps;
  return {
    async createPrelabels(req, call) {
      const project = await loadProject(store, req.projectId);
      checkPrelabelRequest(req, project);
      // name@alias is pinned here: a run labels with the version that was current when it was asked for.
      const version = await deps.models.resolve(req.model ?? { name: '', selector: undefined });
      const plan = planPrelabels(req, project, version, actorOf(call.metadata));
      const job = await submitLabelingJob(jobs, deps.config.maxQueuedJobs, {
        kind: PRELABEL_JOB_KIND,
        projectId: plan.projectId,
        createdBy: plan.createdBy,
        request: plan.request,
        plan: encodePrelabelPlan(plan),
        maxAttempts: MAX_ATTEMPTS,
      });
      return toLabelingJob(job, LABELING_JOB_KINDS);
    },
  };
}
