/**
 * Messages between a training job (main thread) and its worker thread. The
 * worker owns tfjs and the whole training loop, so a step never blocks the
 * service's event loop, and featurizes the records; the main thread owns I/O
 * (blobs, rows, job events).
 */
import type { trainer } from '@l1g1/contracts';
import type { ExportModelSpec } from '../export/layer-spec';
import type { WorkerError } from './worker-thread';
import type { RecordBatch } from './record-batch';

export interface TrainWorkerInput {
  /** What `createModel` builds (the resolved spec's ArchitectureSpec, a plain object). */
  architecture: trainer.ArchitectureSpec;
  classNames: string[];
  /** The metadata key holding each record's label. */
  labelField: string;
  /** The records, featurized in the worker by the model's own `featurize`. */
  train: RecordBatch;
  validation: RecordBatch | undefined;
  /**
   * A LoRA job: the base's checkpoint (rebuilt as `architecture`, frozen) and the adapters to
   * train; targets are the architecture's layer names (`hidden_0`, `logits`), empty = every dense layer.
   */
  /** `mergeOnExport` false: the job registers the adapter alone (one target). */
  lora: { base: Uint8Array; rank: number; alpha: number; targets: string[]; mergeOnExport: boolean } | undefined;
  epochs: number;
  batchSize: number;
  seed: number;
  /** The resolved spec's optimizer and schedule (`optimizerFromSpec` / `scheduleFromSpec` build them). */
  optimizer: trainer.OptimizerConfig;
  schedule: trainer.LrSchedule | undefined;
  /** 0: no clipping. */
  maxGradNorm: number;
  checkpointEverySteps: number;
  /** 0: once per epoch. */
  evalEverySteps: number;
  earlyStopping: { metric: string; mode: 'min' | 'max'; patience: number; minDelta: number } | undefined;
  /** 0: no limit. */
  maxSteps: number;
  /** A checkpoint of this job to continue from. */
  resumeFrom: Uint8Array | undefined;
  device: 'auto' | 'cpu' | 'gpu';
  /**
   * Set to 1 by the main thread to stop at the next step. Shared memory, not a
   * message: the loop rarely yields to the thread's event loop, so a posted
   * message could wait until the run ends.
   */
  stopFlag: Int32Array;
  meta: Record<string, string | number | boolean>;
}

export type MainToWorker = { type: 'abort' };

export type WorkerToMain =
  | { type: 'backend'; name: string; package: string; device: string }
  | { type: 'step'; step: number; totalSteps: number; epoch: number; loss: number; lr: number; samplesPerSec: number }
  | { type: 'evaluation'; step: number; epoch: number; metrics: Record<string, number>; improved: boolean }
  | { type: 'checkpoint'; bytes: Uint8Array; step: number; epoch: number; final: boolean }
  | {
      type: 'done';
      status: 'completed' | 'early_stopped' | 'cancelled' | 'max_steps';
      step: number;
      epoch: number;
      loss: number;
      /** sha256 over the final weights (names sorted, then fp32 little-endian values). */
      weightsSha256: string;
      exportSpec: ExportModelSpec;
      /** The model's registry tags (`architecture`, `preprocess` ...). */
      tags: Record<string, string>;
      /** Figures for the registry beside the validation metrics (a LoRA adapter's parameter count). */
      metrics: Record<string, number>;
    }
  | WorkerError;
