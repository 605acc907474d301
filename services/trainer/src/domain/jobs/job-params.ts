/**
 * What a `trainer.train` job stores as its params: the resolved spec (as the
 * contract's JSON, so a job written by one version reads back in the next),
 * the creator, the request's tags, and, for a resumed run, where it resumes.
 */
import { trainer } from '@l1g1/contracts';
import type { JsonValue } from '@l1g1/kit';

/** The job kind of a training run on the kit job runtime. */
export const TRAIN_JOB_KIND = 'trainer.train';

export interface TrainJobParams {
  spec: trainer.TrainingSpec;
  createdBy: string;
  tags: Record<string, string>;
  /** ResumeJob: the job and checkpoint this run continues from. */
  resume?: { jobId: string; checkpointId: string };
  /** A LoRA job: the job and checkpoint holding its base model's weights (see lora-base.ts). */
  loraBase?: { jobId: string; checkpointId: string };
}

export function encodeTrainJobParams(p: TrainJobParams): JsonValue {
  return {
    spec: trainer.TrainingSpec.toJSON(p.spec) as JsonValue,
    created_by: p.createdBy,
    tags: p.tags,
    ...(p.resume ? { resume: { job_id: p.resume.jobId, checkpoint_id: p.resume.checkpointId } } : {}),
    ...(p.loraBase ? { lora_base: { job_id: p.loraBase.jobId, checkpoint_id: p.loraBase.checkpointId } } : {}),
  };
}

export function decodeTrainJobParams(json: JsonValue): TrainJobParams {
  type Pointer = { job_id: string; checkpoint_id: string };
  const o = (json ?? {}) as { spec?: unknown; created_by?: string; tags?: Record<string, string>; resume?: Pointer; lora_base?: Pointer };
  return {
    spec: trainer.TrainingSpec.fromJSON(o.spec ?? {}),
    createdBy: o.created_by ?? '',
    tags: o.tags ?? {},
    ...(o.resume ? { resume: { jobId: o.resume.job_id, checkpointId: o.resume.checkpoint_id } } : {}),
    ...(o.lora_base ? { loraBase: { jobId: o.lora_base.job_id, checkpointId: o.lora_base.checkpoint_id } } : {}),
  };
}

/** Store subject of the training jobs registering into a model (ListJobs' `model_name` filter). */
export function modelSubject(modelName: string): string {
  return `model:${modelName}`;
}

/** Store subject of the training jobs reading a dataset, any snapshot (ListJobs' `dataset` filter). */
export function datasetSubject(dataset: string): string {
  return `dataset:${dataset}`;
}

/**
 * A training job's store subjects, from its params: given at submit and used
 * by the startup backfill of jobs an older build stored without subjects, so
 * both answer ListJobs' filters alike.
 */
export function trainJobSubjects(params: JsonValue): string[] {
  const { spec } = decodeTrainJobParams(params);
  const model = spec.registerAs?.modelName;
  const dataset = spec.data?.dataset?.name;
  return [...(model ? [modelSubject(model)] : []), ...(dataset ? [datasetSubject(dataset)] : [])];
}

/** What a finished run stores as its result. */
export interface TrainJobResult {
  /** sha256 over the final weights (names sorted, fp32 little-endian): equal runs, equal hashes. */
  weightsSha256: string;
  backend: string;
  stopReason: string;
  finalCheckpointId: string;
  registered?: { name: string; version: number };
}

export function decodeTrainJobResult(json: JsonValue | undefined): Partial<TrainJobResult> {
  const o = (json ?? {}) as { weights_sha256?: string; backend?: string; stop_reason?: string; final_checkpoint_id?: string; registered?: { name: string; version: number } };
  return {
    ...(o.weights_sha256 ? { weightsSha256: o.weights_sha256 } : {}),
    ...(o.backend ? { backend: o.backend } : {}),
    ...(o.stop_reason ? { stopReason: o.stop_reason } : {}),
    ...(o.final_checkpoint_id ? { finalCheckpointId: o.final_checkpoint_id } : {}),
    ...(o.registered ? { registered: o.registered } : {}),
  };
}

export function encodeTrainJobResult(r: TrainJobResult): JsonValue {
  return {
    weights_sha256: r.weightsSha256,
    backend: r.backend,
    stop_reason: r.stopReason,
    final_checkpoint_id: r.finalCheckpointId,
    ...(r.registered ? { registered: r.registered } : {}),
  };
}
