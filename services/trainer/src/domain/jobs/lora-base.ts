/**
 * The base of a LoRA job: a registered version this trainer produced. Its
 * `job_id` lineage tag names the training job whose final checkpoint (in
 * this trainer's blob store) holds the weights, and whose spec says which
 * architecture to rebuild them into. Resolved on CreateTrainingJob, so a
 * base that is not ours is refused before any job exists.
 */
import type { common, trainer } from '@l1g1/contracts';
import { errors, type JobStore } from '@l1g1/kit';
import type { Registrar } from '../../adapters/registry-registrar';
import type { CheckpointStore } from './checkpoint-rows';
import { decodeTrainJobParams, TRAIN_JOB_KIND } from './job-params';

export interface LoraBase {
  /** The base version, pinned (an alias may move later; the lineage names this number). */
  ref: common.ModelRef;
  /** The job that trained it and the checkpoint holding its weights. */
  jobId: string;
  checkpointId: string;
  architecture: trainer.ArchitectureSpec;
}

const FIELD = 'spec.base_model';

function notOurs(message: string): never {
  throw errors.failedPrecondition(message, { field: FIELD, reason: 'BASE_MODEL_NOT_TRAINED_HERE' });
}

export async function resolveLoraBase(deps: { registrar: Registrar | undefined; jobs: Pick<JobStore, 'get'>; checkpoints: CheckpointStore }, ref: common.ModelRef): Promise<LoraBase> {
  if (!deps.registrar) throw errors.unavailable('no model registry is configured for this trainer');
  const version = await deps.registrar.resolve(ref);
  const jobId = version.tags['job_id'];
  const named = `${version.name} version ${version.version}`;
  if (!jobId) notOurs(`${named} was not trained by this trainer (it has no job_id tag); LoRA fine-tunes a model this trainer produced`);
  const job = await deps.jobs.get(jobId);
  if (!job || job.kind !== TRAIN_JOB_KIND) notOurs(`${named} names training job ${jobId}, which this trainer does not hold`);
  const params = decodeTrainJobParams(job.params);
  if (params.spec.lora) notOurs(`${named} is itself a LoRA fine-tuning; fine-tune its base instead`);
  const architecture = params.spec.architecture;
  // createLoraModel adapts a chain of dense layers: the MLP exports as one, the text classifier as
  // one behind its embedding bag (kept frozen). Conv, GRU and tagger chains are not adapted.
  const kind = architecture?.architecture?.$case;
  if (!architecture || (kind !== 'mlp' && kind !== 'textClassifier')) notOurs(`${named} is a ${kind ?? 'unknown'} model; LoRA fine-tunes mlp and text_classifier bases`);
  const latest = await deps.checkpoints.latest(job.id);
  if (!latest) notOurs(`training job ${job.id} of ${named} kept no checkpoint to read its weights from`);
  return { ref: { name: version.name, selector: { $case: 'version', value: version.version } }, jobId: job.id, checkpointId: latest.id, architecture };
}
