/**
 * Messages between a training job (main thread) and its worker thread. The
 * worker owns tfjs and the whole training loop, so a step never blocks the
 * service's event loop; the main thread owns I/O (blobs, rows, job events).
 */
import type { ExportModelSpec } from '../export/layer-spec';

/** Examples as flat typed arrays (transferred, not copied). */
export interface ExampleSet {
  /** Row-major `[count, inputDim]`. */
  features: Float32Array;
  /** Class index per example. */
  labels: Int32Array;
  count: number;
}

/** The interim MLP the worker builds (until the model library lands). */
export interface MlpArchitecture {
  kind: 'mlp';
  inputDim: number;
  hiddenUnits: number[];
  activation: 'relu' | 'tanh';
}

export interface TrainWorkerInput {
  architecture: MlpArchitecture;
  classNames: string[];
  train: ExampleSet;
  validation: ExampleSet | undefined;
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: { learningRate: number; beta1: number; beta2: number; epsilon: number; weightDecay: number };
  schedule: { warmupSteps: number; minLearningRate: number };
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
    }
  | { type: 'error'; kind: string; message: string; field: string };
