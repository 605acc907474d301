/**
 * CreateTrainingJob, GetJob, ListJobs, CancelJob, ResumeJob over the kit job
 * store (only `trainer.train` jobs are this service's). A spec is checked in
 * full, and its snapshot pinned, before anything is queued: a refused config
 * leaves no job behind.
 */
import type { trainer } from '@l1g1/contracts';
import { actorOf, checkJobSubject, errors, filterFingerprint, fromProtoJobState, listJobsPage, type AsyncService, type Job } from '@l1g1/kit';
import type { TrainerDeps } from '../deps';
import { datasetSubject, decodeTrainJobParams, encodeTrainJobParams, modelSubject, TRAIN_JOB_KIND, trainJobSubjects } from '../domain/jobs/job-params';
import { resolveLoraBase, type LoraBase } from '../domain/jobs/lora-base';
import { toTrainingJob } from '../domain/jobs/training-job-view';
import { checkTrainingSpec, pinSnapshot } from '../domain/spec/resolve-spec';
import { architectureLayers } from '../domain/spec/architecture-layers';
import { SPEC_LIMITS } from '../domain/spec/spec-defaults';

type Handlers = Pick<AsyncService<trainer.TrainerServiceService>, 'createTrainingJob' | 'getJob' | 'listJobs' | 'cancelJob' | 'resumeJob'>;

/** Attempts of one job: crash resumes (lease expiries) count, so leave room for a few. */
const MAX_ATTEMPTS = 5;
/** What a refused (queue full) creator is told to wait. */
const QUEUE_FULL_RETRY_MS = 30_000;

export function checkJobId(id: string): string {
  if (id.length === 0 || id.length > 200) throw errors.invalidArgument('job_id', 'must be 1-200 characters');
  return id;
}

function checkTags(tags: Record<string, string>): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length > SPEC_LIMITS.maxTags) throw errors.invalidArgument('tags', `at most ${SPEC_LIMITS.maxTags} tags`);
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > 128 || v.length > 1024) throw errors.invalidArgument(`tags.${k.slice(0, 64)}`, 'keys are 1-128 characters, values at most 1024');
  }
  return { ...tags };
}

function pageSize(page: { pageSize: number } | undefined): number {
  const n = page?.pageSize ?? 0;
  if (!Number.isInteger(n) || n < 0) throw errors.invalidArgument('page.page_size', 'must be a non-negative integer');
  return n === 0 ? 50 : Math.min(n, 1000);
}

/** Finds a training job, or NOT_FOUND (jobs of other kinds in a shared store are not ours to show). */
export async function findTrainingJob(deps: Pick<TrainerDeps, 'jobs'>, id: string): Promise<Job> {
  const job = await deps.jobs.get(checkJobId(id));
  if (!job || job.kind !== TRAIN_JOB_KIND) throw errors.notFound(`training job ${id}`, { reason: 'JOB_NOT_FOUND' });
  return job;
}

export function createJobHandlers(deps: TrainerDeps): Handlers {
  const { jobs } = deps;
  const checkQueueRoom = async (): Promise<void> => {
    const open = await jobs.list({ kind: TRAIN_JOB_KIND, states: ['queued', 'running'], limit: Math.min(500, deps.config.maxQueuedJobs) });
    if (open.length >= deps.config.maxQueuedJobs) {
      throw errors.resourceExhausted(`${open.length} training jobs are queued or running; try again later`, QUEUE_FULL_RETRY_MS, { reason: 'JOB_QUEUE_FULL' });
    }
  };
  return {
    async createTrainingJob(req, call) {
      let requested = req.spec;
      let loraBase: LoraBase | undefined;
      if (requested?.lora && requested.baseModel?.name) {
        // Refusals that need no I/O first (a LoRA target that is not a dense layer of the spec's architecture).
        if (requested.architecture?.architecture) checkTrainingSpec(requested, deps.capabilities);
        loraBase = await resolveLoraBase(deps, requested.baseModel);
        // The base's architecture is what runs (its weights decide); the base pinned to its version number.
        requested = { ...requested, architecture: loraBase.architecture, baseModel: loraBase.ref };
      }
      const checked = checkTrainingSpec(requested, deps.capabilities);
      if (checked.lora && checked.lora.mergeOnExport === false && checked.architecture) {
        // The adapter alone is one graph x → (alpha/rank)·x·A·B: it has one layer's input and output.
        const targets = checked.lora.targetLayers;
        const dense = architectureLayers(checked.architecture).filter((l) => l.dense && (targets.length === 0 || targets.some((t) => l.name === t || l.name.startsWith(t))));
        if (dense.length !== 1) {
          throw errors.invalidArgument('spec.lora.target_layers', `merge_on_export false registers the adapter of one dense layer; these targets match ${dense.length} (${dense.map((l) => l.name).join(', ')})`);
        }
      }
      const tags = checkTags(req.tags);
      if (req.idempotencyKey.length > 200) throw errors.invalidArgument('idempotency_key', 'must be at most 200 characters');
      // Pinned now so a resumed or repeated job sees the same records; NOT_FOUND passes through.
      const dataset = checked.data?.dataset;
      if (!dataset) throw errors.invalidArgument('spec.data.dataset', 'is required');
      const facts = await deps.ingestion.getSnapshot(dataset);
      const spec = pinSnapshot(checked, facts);
      await checkQueueRoom();
      const params = encodeTrainJobParams({ spec, createdBy: actorOf(call.metadata), tags, ...(loraBase ? { loraBase: { jobId: loraBase.jobId, checkpointId: loraBase.checkpointId } } : {}) });
      const { job } = await jobs.submit({
        kind: TRAIN_JOB_KIND,
        params,
        subjects: trainJobSubjects(params),
        maxAttempts: MAX_ATTEMPTS,
        ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
      });
      return toTrainingJob(job);
    },
    async getJob(req) {
      return toTrainingJob(await findTrainingJob(deps, req.jobId));
    },
    async listJobs(req) {
      const state = fromProtoJobState(req.state);
      if (req.state !== 0 && state === undefined) throw errors.invalidArgument('state', `unknown job state ${req.state}`);
      // Both filters are store subjects (set at submit): exact over every job, however old.
      const subjects = [
        ...(req.modelName ? [checkJobSubject(modelSubject(req.modelName), 'model_name')] : []),
        ...(req.dataset ? [checkJobSubject(datasetSubject(req.dataset), 'dataset')] : []),
      ];
      const page = await listJobsPage(jobs, {
        filter: { kind: TRAIN_JOB_KIND, ...(state ? { states: [state] } : {}), ...(subjects.length > 0 ? { subjects } : {}) },
        pageSize: pageSize(req.page),
        pageToken: req.page?.pageToken ?? '',
        list: 'trainer-jobs',
        fingerprint: filterFingerprint({ state: req.state, model: req.modelName, dataset: req.dataset }),
      });
      return { jobs: page.jobs.map(toTrainingJob), page: { nextPageToken: page.nextPageToken, totalSize: 0 } };
    },
    async cancelJob(req) {
      await findTrainingJob(deps, req.jobId);
      const job = await jobs.requestCancel(req.jobId);
      if (!job) throw errors.notFound(`training job ${req.jobId}`, { reason: 'JOB_NOT_FOUND' });
      return toTrainingJob(job);
    },
    async resumeJob(req, call) {
      const old = await findTrainingJob(deps, req.jobId);
      if (old.state !== 'cancelled' && old.state !== 'failed') {
        throw errors.failedPrecondition(`job ${old.id} is ${old.state}; only cancelled or failed jobs resume (a crashed trainer's jobs resume on their own)`, {
          reason: 'JOB_NOT_RESUMABLE',
          field: 'job_id',
        });
      }
      if (req.epochs < 0 || req.epochs > SPEC_LIMITS.maxEpochs) throw errors.invalidArgument('epochs', `must be from 0 to ${SPEC_LIMITS.maxEpochs}`);
      const checkpoint = req.checkpointId ? await deps.checkpoints.get(req.checkpointId) : await deps.checkpoints.latest(old.id);
      if (req.checkpointId && (!checkpoint || checkpoint.jobId !== old.id)) throw errors.notFound(`checkpoint ${req.checkpointId} of job ${old.id}`, { reason: 'CHECKPOINT_NOT_FOUND' });
      if (!checkpoint) throw errors.failedPrecondition(`job ${old.id} saved no checkpoint to resume from; create a new job`, { reason: 'NO_CHECKPOINT', field: 'job_id' });
      const params = decodeTrainJobParams(old.params);
      const config = params.spec.config;
      if (req.epochs > 0 && config && req.epochs < checkpoint.epoch) {
        throw errors.invalidArgument('epochs', `the checkpoint is already at epoch ${checkpoint.epoch}`);
      }
      const spec = req.epochs > 0 && config ? { ...params.spec, config: { ...config, epochs: req.epochs } } : params.spec;
      await checkQueueRoom();
      // The same job runs again (its id, attempts and event log continue); the runner starts from the
      // job's checkpoint pointer, set here to the chosen row. A concurrent resume that lost the race
      // is refused by the store (FAILED_PRECONDITION naming job_id).
      const job = await jobs.reopen(old.id, {
        params: encodeTrainJobParams({ spec, createdBy: params.createdBy, tags: params.tags, ...(params.loraBase ? { loraBase: params.loraBase } : {}) }),
        checkpoint: { state: { checkpoint_id: checkpoint.id, step: checkpoint.step, resumed_from: checkpoint.id }, blobs: [checkpoint.sha256] },
        extraAttempts: MAX_ATTEMPTS,
        actor: actorOf(call.metadata),
      });
      if (!job) throw errors.notFound(`training job ${old.id}`, { reason: 'JOB_NOT_FOUND' });
      return toTrainingJob(job);
    },
  };
}
