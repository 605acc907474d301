/**
 * The `trainer.train` job: reads the pinned snapshot through ingestion,
 * trains in a worker thread, stores each checkpoint (blob + row + the kit
 * job's resume pointer), reports progress and evaluations as job events,
 * and at the end exports ONNX (fp32 + the asked variants) and registers one
 * version with its lineage. Every attempt resumes exactly from the job's
 * last checkpoint (a crashed trainer's job, reclaimed after its lease) or,
 * for a ResumeJob, from the checkpoint it named.
 */
import { randomUUID } from 'node:crypto';
import { common, trainer } from '@l1g1/contracts';
import { errors, type BlobStore, type JobHandler, type Logger } from '@l1g1/kit';
import { readBlob, writeBlob } from '../adapters/blob-bytes';
import type { IngestionReader, TrainingRecord } from '../adapters/ingestion-reader';
import type { Registrar } from '../adapters/registry-registrar';
import { runTrainThread } from '../adapters/train-thread';
import type { CheckpointStore } from '../domain/jobs/checkpoint-rows';
import { decodeTrainJobParams, encodeTrainJobResult, type TrainJobParams } from '../domain/jobs/job-params';
import { checkpointClassNames } from '../domain/jobs/checkpoint-model';
import { checkpointEvent, type RunnerEvent } from '../domain/jobs/training-events';
import { PROGRESS_COUNTERS } from '../domain/jobs/training-job-view';
import { checkLabels, collectRecords, holdOut, resolveClassNames, type CollectedRecords } from '../domain/jobs/training-data';
import { exportOnnx } from '../export/export-onnx';
import type { ExportModelSpec } from '../export/layer-spec';
import { labelKindOf } from '../models/create-model';
import { packRecords } from '../worker/record-batch';
import type { TrainWorkerInput } from '../worker/train-protocol';

export interface TrainJobDeps {
  blobs: BlobStore;
  checkpoints: CheckpointStore;
  ingestion: IngestionReader;
  /** Absent: jobs that ask to register fail with UNAVAILABLE (no registry configured). */
  registrar: Registrar | undefined;
  logger: Logger;
  maxDatasetBytes: number;
  codeVersion: string;
}

/** Progress reports (job events) at most this often; the last step is always reported. */
const PROGRESS_EVERY_MS = 250;

async function* notInSplit(records: AsyncIterable<TrainingRecord>, split: string): AsyncIterable<TrainingRecord> {
  for await (const r of records) if (r.metadata['split'] !== split) yield r;
}

/** Reads and holds the job's train and validation records (bounded by `maxDatasetBytes`). */
async function loadRecords(deps: TrainJobDeps, spec: trainer.TrainingSpec, signal: AbortSignal): Promise<{ train: CollectedRecords; validation: CollectedRecords }> {
  const data = spec.data;
  const ref = data?.dataset;
  if (!data || !ref) throw errors.invalidArgument('spec.data.dataset', 'is required');
  const options = { labelField: data.labelField, labels: labelKindOf(spec.architecture), failOnMissingLabel: data.failOnMissingLabel, maxBytes: deps.maxDatasetBytes };
  const budget = { bytes: 0 };
  let train = await collectRecords(deps.ingestion.readRecords(ref, data.trainSplit, signal), options, undefined, budget);
  let validation = await collectRecords(deps.ingestion.readRecords(ref, data.validationSplit, signal), options, undefined, budget);
  if (train.records.length === 0) {
    // No record carries the train split: every record not in the validation split trains.
    train = await collectRecords(notInSplit(deps.ingestion.readRecords(ref, '', signal), data.validationSplit), options, undefined, budget);
  }
  const fraction = data.validationFraction ?? 0;
  if (validation.records.length === 0 && fraction > 0) ({ train, validation } = holdOut(train, fraction, spec.config?.seed ?? 0));
  if (train.records.length === 0) throw errors.failedPrecondition(`snapshot ${ref.name}@${ref.snapshot} has no ${options.labels === 'class' ? 'labelled ' : ''}training records`, { reason: 'NO_TRAINING_DATA' });
  return { train, validation };
}

function workerInput(spec: trainer.TrainingSpec, classNames: string[], train: CollectedRecords, validation: CollectedRecords, resumeFrom: Uint8Array | undefined, loraBase: Uint8Array | undefined, jobId: string): TrainWorkerInput {
  const c = spec.config;
  const o = c?.optimizer;
  const architecture = spec.architecture;
  if (!c || !o) throw errors.invalidArgument('spec.config', 'is required');
  if (!architecture) throw errors.invalidArgument('spec.architecture', 'is required');
  const es = c.earlyStopping;
  return {
    architecture,
    classNames,
    labelField: spec.data?.labelField || 'label',
    train: packRecords(train.records),
    validation: validation.records.length > 0 ? packRecords(validation.records) : undefined,
    lora: loraBase && spec.lora ? { base: loraBase, rank: spec.lora.rank, alpha: spec.lora.alpha ?? 16, targets: [...spec.lora.targetLayers], mergeOnExport: spec.lora.mergeOnExport ?? true } : undefined,
    epochs: c.epochs,
    batchSize: c.batchSize,
    seed: c.seed ?? 42,
    optimizer: o,
    schedule: c.schedule,
    maxGradNorm: c.maxGradNorm ?? 0,
    checkpointEverySteps: c.checkpointEverySteps ?? 1000,
    evalEverySteps: c.evalEverySteps,
    earlyStopping: es ? { metric: es.metric, mode: es.mode === trainer.EarlyStoppingMode.EARLY_STOPPING_MODE_MAX ? 'max' : 'min', patience: es.patience, minDelta: es.minDelta } : undefined,
    maxSteps: c.maxSteps,
    resumeFrom,
    device: 'auto',
    stopFlag: new Int32Array(new SharedArrayBuffer(4)),
    // The class order travels with every checkpoint, so ExportOnnx can label a checkpoint's outputs.
    meta: { job_id: jobId, class_names: JSON.stringify(classNames) },
  };
}

/** The registry holds tag values of at most this many characters. */
const MAX_TAG_VALUE_CHARS = 1024;

/**
 * The `class_names` tag (output index → label, a JSON array) the evaluator reads. Every model's
 * export spec carries its class order; a list too long for one registry tag (a word-level language
 * model's vocabulary) is left to the ONNX `class_names` metadata, which has no such bound.
 */
export function classNamesTag(exportSpec: ExportModelSpec): Record<string, string> {
  const json = JSON.stringify(exportSpec.classNames ?? []);
  return exportSpec.classNames && exportSpec.classNames.length > 0 && json.length <= MAX_TAG_VALUE_CHARS ? { class_names: json } : {};
}

const PRECISION_NAME: Readonly<Record<number, 'fp16' | 'int8'>> = { [common.Precision.PRECISION_FP16]: 'fp16', [common.Precision.PRECISION_INT8]: 'int8' };

/** Exports fp32 + variants and registers them as one version; answers name and version. */
export async function registerModel(
  deps: Pick<TrainJobDeps, 'registrar' | 'codeVersion'>,
  input: { jobId: string; params: TrainJobParams; exportSpec: ExportModelSpec; modelTags: Record<string, string>; metrics: Record<string, number>; backend: string },
): Promise<{ name: string; version: number }> {
  const r = input.params.spec.registerAs;
  if (!r) throw errors.internal('registerModel called without register_as');
  if (!deps.registrar) throw errors.unavailable('no model registry is configured for this trainer');
  const ref = input.params.spec.data?.dataset;
  const snapshot = `${ref?.name ?? ''}@${ref?.snapshot ?? 0}`;
  const configJson = JSON.stringify(trainer.TrainConfig.toJSON(input.params.spec.config ?? trainer.TrainConfig.fromPartial({})));
  const base = input.params.spec.baseModel;
  const baseVersion = base?.selector?.$case === 'version' ? `${base.name}@${base.selector.value}` : undefined;
  const lineageTags = { snapshot, job_id: input.jobId, code_version: deps.codeVersion, backend: input.backend, ...(baseVersion ? { base_model: baseVersion } : {}) };
  const metadata = { ...lineageTags, config: configJson };
  const fp32 = exportOnnx(input.exportSpec, { precision: 'fp32', producerVersion: deps.codeVersion, metadata });
  const v = await deps.registrar.createVersion(
    {
      modelName: r.modelName,
      description: r.description,
      // The model's own tags (`preprocess`: how a client builds its input, `class_names`) over the user's; lineage over both.
      tags: { ...r.tags, ...input.modelTags, ...classNamesTag(input.exportSpec), ...lineageTags },
      metrics: input.metrics,
      lineage: {
        dataset: ref,
        trainingJobId: input.jobId,
        parent: input.params.spec.baseModel,
        codeVersion: deps.codeVersion,
        // Registry values hold at most 1024 characters; the whole config travels in the ONNX metadata too.
        params: { backend: input.backend, snapshot, ...(configJson.length <= 1024 ? { config: configJson } : {}) },
      },
    },
    fp32.bytes,
  );
  for (const p of r.variants) {
    const precision = PRECISION_NAME[p];
    if (!precision) continue;
    const variant = exportOnnx(input.exportSpec, { precision, producerVersion: deps.codeVersion, metadata });
    await deps.registrar.addVariant(v.name, v.version, p, variant.bytes);
  }
  if (r.alias) await deps.registrar.setAlias(v.name, r.alias, v.version);
  return v;
}

/** The base model's weights of a LoRA job (its checkpoint, resolved when the job was created). */
async function readLoraBase(deps: TrainJobDeps, checkpointId: string): Promise<Uint8Array> {
  const row = await deps.checkpoints.get(checkpointId);
  if (!row) throw errors.failedPrecondition(`the base model's checkpoint ${checkpointId} is gone`, { field: 'spec.base_model', reason: 'CHECKPOINT_NOT_FOUND' });
  return readBlob(deps.blobs, row.sha256);
}

export function createTrainJobHandler(deps: TrainJobDeps): JobHandler {
  return async (ctx) => {
    const jobId = ctx.job.id;
    const params = decodeTrainJobParams(ctx.params);
    const spec = params.spec;
    const state = ctx.checkpoint?.state as { checkpoint_id?: string } | null | undefined;
    const resumeId = state?.checkpoint_id ?? params.resume?.checkpointId;
    let resumeFrom: Uint8Array | undefined;
    if (resumeId) {
      const row = await deps.checkpoints.get(resumeId);
      if (!row) throw errors.failedPrecondition(`checkpoint ${resumeId} is gone; the job cannot resume`, { reason: 'CHECKPOINT_NOT_FOUND' });
      resumeFrom = await readBlob(deps.blobs, row.sha256);
      await ctx.emit('log', { message: `resuming from checkpoint ${row.id} at step ${row.step}`, checkpoint_id: row.id, step: row.step });
      // Recorded before training, so GetJob says where this attempt started even before its first checkpoint.
      await ctx.saveCheckpoint({ checkpoint_id: row.id, step: row.step, resumed_from: row.id }, [row.sha256]);
    }
    const resumedFrom = resumeId ?? '';
    const { train, validation } = await loadRecords(deps, spec, ctx.signal);
    const loraBase = params.loraBase ? await readLoraBase(deps, params.loraBase.checkpointId) : undefined;
    // A LoRA job keeps its base's classes (its output layer is the base's).
    const labels = labelKindOf(spec.architecture);
    const classNames = loraBase ? checkpointClassNames(loraBase) : resolveClassNames(spec.architecture?.classNames ?? [], train, labels, spec.data?.labelField || 'label');
    if (labels === 'class') {
      checkLabels(train, classNames);
      checkLabels(validation, classNames);
    }
    let backend = '';
    let backendMessage: string | undefined;
    let lastReport = 0;
    let metrics: Record<string, number> = {};
    let bestSoFar = false;
    const done = await runTrainThread(
      workerInput(spec, classNames, train, validation, resumeFrom, loraBase, jobId),
      async (m) => {
        if (m.type === 'backend') {
          backend = m.name;
          // Said with the first step report: a progress event of its own would repeat stale figures as a step.
          backendMessage = `training on ${m.name} (${m.device})`;
          await ctx.emit('log', { message: backendMessage, backend: m.name, package: m.package, device: m.device });
        } else if (m.type === 'step') {
          const now = Date.now();
          if (now - lastReport < PROGRESS_EVERY_MS && m.step < m.totalSteps) return;
          lastReport = now;
          const first = backendMessage;
          backendMessage = undefined;
          await ctx.progress({
            ...(first ? { message: first } : {}),
            fraction: Math.min(1, m.step / Math.max(1, m.totalSteps)),
            counters: {
              [PROGRESS_COUNTERS.step]: m.step,
              [PROGRESS_COUNTERS.totalSteps]: m.totalSteps,
              [PROGRESS_COUNTERS.epoch]: m.epoch,
              [PROGRESS_COUNTERS.loss]: m.loss,
              [PROGRESS_COUNTERS.learningRate]: m.lr,
              [PROGRESS_COUNTERS.samplesPerSecond]: m.samplesPerSec,
            },
          });
        } else if (m.type === 'evaluation') {
          metrics = m.metrics;
          bestSoFar = m.improved;
          await ctx.progress({ counters: { ...m.metrics } });
          const event: RunnerEvent = { event: 'evaluation', step: m.step, epoch: m.epoch, metrics: m.metrics, improved: m.improved };
          await ctx.emit('metric', event);
        } else if (m.type === 'checkpoint') {
          const blob = await writeBlob(deps.blobs, m.bytes);
          const row = { id: randomUUID(), jobId, step: m.step, epoch: m.epoch, sha256: blob.sha256, sizeBytes: blob.sizeBytes, metrics, best: bestSoFar, createdAtMs: Date.now() };
          await deps.checkpoints.add(row);
          // The resume pointer: the next attempt of this job starts here.
          await ctx.saveCheckpoint({ checkpoint_id: row.id, step: row.step, resumed_from: resumedFrom }, [blob.sha256]);
          await ctx.emit('metric', checkpointEvent(row));
        }
      },
      ctx.signal,
    );
    if (done.status === 'cancelled') {
      // Stopped by the runtime (cancel, shutdown, lease lost); it records the outcome from its signal.
      throw errors.cancelled('training stopped before the end');
    }
    // In the status message too, so a user (and the kill test) can compare runs without reading the store.
    await ctx.progress({ message: `trained ${done.step} steps; weights sha256 ${done.weightsSha256}` });
    const stopReason = done.status === 'early_stopped' ? 'early stopping: the validation metric stopped improving' : done.status === 'max_steps' ? 'max_steps reached' : '';
    const latest = await deps.checkpoints.latest(jobId);
    let registered: { name: string; version: number } | undefined;
    if (spec.registerAs) {
      registered = await registerModel(deps, { jobId, params, exportSpec: done.exportSpec, modelTags: done.tags, metrics: { ...metrics, ...done.metrics }, backend });
      const event: RunnerEvent = { event: 'registered', name: registered.name, version: registered.version };
      await ctx.emit('metric', event);
    }
    return encodeTrainJobResult({
      weightsSha256: done.weightsSha256,
      backend,
      stopReason,
      finalCheckpointId: latest?.id ?? '',
      ...(registered ? { registered } : {}),
    });
  };
}
