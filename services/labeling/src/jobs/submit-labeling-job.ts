/**
 * Queues a labeling job of a registered kind, refusing fast (RESOURCE_EXHAUSTED
 * with a retry hint) when the kind already has as many open jobs as the
 * service allows, so a burst of requests cannot pile up unbounded work.
 */
import { errors, type Job, type JobStore, type JsonValue } from '@l1g1/kit';
import { decodeLabelingJobParams, encodeLabelingJobParams } from './labeling-job-params';

/**
 * The store subject of a project's jobs: ListJobs' `project_id` filter is a
 * store lookup by it. Also derives it for jobs an older build stored without
 * subjects (the startup backfill), so old and new jobs answer the same filter.
 */
export function projectSubject(projectId: string): string {
  return `project:${projectId}`;
}

/** A labeling job's subjects from its params (see projectSubject). */
export function labelingJobSubjects(params: JsonValue): string[] {
  const { projectId } = decodeLabelingJobParams(params);
  return projectId ? [projectSubject(projectId)] : [];
}

/** What a refused (queue full) caller is told to wait. */
const QUEUE_FULL_RETRY_MS = 10_000;

export interface SubmitLabelingJobInput {
  kind: string;
  projectId: string;
  createdBy: string;
  /** The request as the contract's JSON. */
  request: JsonValue;
  /** Kind-specific resolution the handler reads (see LabelingJobParams.plan). */
  plan?: JsonValue;
  idempotencyKey?: string;
  maxAttempts?: number;
}

export async function submitLabelingJob(jobs: JobStore, maxOpenJobs: number, input: SubmitLabelingJobInput): Promise<Job> {
  if (input.idempotencyKey !== undefined && (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 200)) {
    throw errors.invalidArgument('idempotency_key', 'must be 1-200 characters');
  }
  const open = await jobs.list({ kind: input.kind, states: ['queued', 'running'], limit: Math.min(500, maxOpenJobs) });
  if (open.length >= maxOpenJobs) {
    throw errors.resourceExhausted(`${open.length} jobs of this kind are queued or running; try again later`, QUEUE_FULL_RETRY_MS, { reason: 'JOB_QUEUE_FULL' });
  }
  const { job } = await jobs.submit({
    kind: input.kind,
    params: encodeLabelingJobParams({ projectId: input.projectId, createdBy: input.createdBy, request: input.request, ...(input.plan !== undefined ? { plan: input.plan } : {}) }),
    subjects: [projectSubject(input.projectId)],
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
    ...(input.maxAttempts ? { maxAttempts: input.maxAttempts } : {}),
  });
  return job;
}
