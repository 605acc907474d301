/**
 * The worker thread of one training attempt: picks the tfjs backend, builds
 * the model through the library's `createModel`, featurizes the records with
 * the model's `featurize`, runs the engine's `train()` (the spec's optimizer and schedule, clipping,
 * checkpoints, early stopping, exact resume) and reports every step,
 * evaluation and checkpoint to the main thread, which owns all I/O.
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { errors, L1g1Error } from '@l1g1/kit';
import { toWorkerError } from './worker-thread';
import { selectBackend } from '../engine/backend';
import { createSeededRandom } from '../engine/seeded-random';
import { saveCheckpoint } from '../checkpoint/checkpoint';
import { train, type TrainResult } from '../engine/train-loop';
import { ADAMW_DEFAULTS, optimizerFromSpec, peakLearningRate, scheduleFromSpec } from '../optim';
import { withFieldPrefix } from '../models';
import { createRunnableModel } from './runnable-model';
import { unpackRecords } from './record-batch';
import type { MainToWorker, TrainWorkerInput, WorkerToMain } from './train-protocol';

const port = parentPort;
if (!port) throw new Error('train-worker runs as a worker thread');
const input = workerData as TrainWorkerInput;
const post = (m: WorkerToMain, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const controller = new AbortController();
port.on('message', (m: MainToWorker) => {
  if (m.type === 'abort') controller.abort();
});

/** Every numeric field of an evaluation, as `val_<name>` (loss, accuracy, macro_f1, entity_f1, perplexity, ...). */
function validationMetrics(evaluation: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(evaluation)) if (typeof value === 'number' && Number.isFinite(value)) out[`val_${name}`] = value;
  return out;
}

/** The library names record fields relative to the spec (`data.label_field`); the job, relative to its request. */
function inSpec(err: unknown): unknown {
  return err instanceof L1g1Error && /^(architecture|data|lora)\./.test(err.field) ? withFieldPrefix(err, 'spec.') : err;
}

function weightsSha256(weights: Readonly<Record<string, tf.Variable>>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(weights).sort()) {
    const values = Float32Array.from((weights[name] as tf.Variable).dataSync());
    h.update(name).update(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  }
  return h.digest('hex');
}

async function run(): Promise<void> {
  const backend = await selectBackend({ device: input.device }, { tf, loadModule: (id) => require(id) as unknown });
  post({ type: 'backend', name: backend.name, package: backend.package, device: backend.device });
  // Rows a model updates itself (sparse embeddings) take the spec's Adam hyper-parameters.
  const o = input.optimizer;
  const sparseOptimizer = { learningRate: peakLearningRate(o), beta1: o.beta1 ?? ADAMW_DEFAULTS.beta1, beta2: o.beta2 ?? ADAMW_DEFAULTS.beta2, epsilon: o.epsilon ?? ADAMW_DEFAULTS.epsilon, weightDecay: o.weightDecay ?? 0 };
  const model = createRunnableModel(input.architecture, input.classNames, input.seed, sparseOptimizer, input.lora);
  // Featurized here, not on the service's event loop: hashing n-grams of a few thousand mails takes seconds.
  const examples = model.featurize(unpackRecords(input.train), input.labelField);
  const validation = input.validation && input.validation.ids.length > 0 ? model.featurize(unpackRecords(input.validation), input.labelField) : undefined;
  const evaluate = (examples: readonly unknown[]): Record<string, number> => validationMetrics(model.evaluate(examples, input.batchSize));
  const stepsPerEpoch = Math.ceil(examples.length / input.batchSize);
  const planned = stepsPerEpoch * input.epochs;
  const totalSteps = input.maxSteps > 0 ? Math.min(planned, input.maxSteps) : planned;
  // The contract caps the warmup at 10 % of a short run.
  const warmupSteps = Math.min(input.schedule?.warmupSteps ?? 0, Math.max(0, Math.ceil(totalSteps * 0.1)));
  const peakLr = peakLearningRate(input.optimizer);
  const schedule = input.schedule ? { ...input.schedule, warmupSteps } : undefined;
  const optimizer = optimizerFromSpec(input.optimizer, {
    learningRate: scheduleFromSpec(schedule, totalSteps, peakLr),
    // Biases are not decayed (the contract's rule).
    excludeFromWeightDecay: (name) => name.endsWith('/bias'),
  });
  const es = input.earlyStopping;
  let lastMetrics: Record<string, number> = {};
  let hitMaxSteps = false;
  const stopAt = new AbortController();
  controller.signal.addEventListener('abort', () => stopAt.abort());
  const result: TrainResult = await train(
    {
      epochs: input.epochs,
      batchSize: input.batchSize,
      optimizer,
      seed: input.seed,
      ...(input.maxGradNorm > 0 ? { clipNorm: input.maxGradNorm } : {}),
      checkpointEvery: input.checkpointEverySteps,
      meta: input.meta,
      signal: stopAt.signal,
      ...(input.resumeFrom ? { resumeFrom: input.resumeFrom } : {}),
      onCheckpoint: (bytes, at) => {
        const copy = Uint8Array.from(bytes);
        post({ type: 'checkpoint', bytes: copy, step: at.step, epoch: at.epoch, final: false }, [copy.buffer]);
      },
      onValidation: (e) => {
        post({ type: 'evaluation', step: e.step, epoch: e.epoch, metrics: lastMetrics, improved: e.improved });
      },
      onStep: (e) => {
        if (Atomics.load(input.stopFlag, 0) === 1) stopAt.abort();
        post({ type: 'step', step: e.step, totalSteps, epoch: e.epoch, loss: e.loss, lr: e.lr, samplesPerSec: e.samplesPerSec });
        if (input.maxSteps > 0 && e.step >= input.maxSteps) {
          hitMaxSteps = true;
          stopAt.abort();
        }
      },
      ...(validation
        ? {
            earlyStopping: {
              evaluate: () => {
                lastMetrics = evaluate(validation);
                const metric = es?.metric ?? 'val_loss';
                const value = lastMetrics[metric];
                if (value === undefined) throw errors.invalidArgument('spec.config.early_stopping.metric', `${metric} is not among this model's validation metrics (${Object.keys(lastMetrics).join(', ')})`);
                return value;
              },
              mode: es?.mode ?? 'min',
              // Without early stopping the evaluations still run (they feed the metrics), but never stop the run.
              patience: es?.patience ?? 2 ** 30,
              minDelta: es?.minDelta ?? 0,
              ...(input.evalEverySteps > 0 ? { everySteps: input.evalEverySteps } : {}),
            },
          }
        : {}),
    },
    model.trainable,
    () =>
      (async function* () {
        yield* examples;
      })(),
  );
  const status = hitMaxSteps ? 'max_steps' : result.status;
  if (status !== 'cancelled') {
    // The final state, so ExportOnnx and ResumeJob (more epochs) can start from the end.
    model.trainable.sparse?.beforeCheckpoint?.();
    const bytes = Uint8Array.from(
      // train() keeps its PRNG to itself: a fresh one stands in (exact for models without dropout; a
      // final checkpoint is for export and for ResumeJob with more epochs).
      saveCheckpoint({ weights: model.trainable.weights, optimizer, rng: createSeededRandom(input.seed) }, {
        data: { epoch: result.epoch, position: 0, seed: input.seed },
        meta: input.meta,
      }),
    );
    post({ type: 'checkpoint', bytes, step: result.step, epoch: result.epoch, final: true }, [bytes.buffer]);
  }
  if (validation) post({ type: 'evaluation', step: result.step, epoch: result.epoch, metrics: evaluate(validation), improved: false });
  post({
    type: 'done',
    status,
    step: result.step,
    epoch: result.epoch,
    loss: result.lastLoss,
    weightsSha256: weightsSha256(model.trainable.weights),
    exportSpec: model.exportSpec(),
    tags: model.tags(),
    metrics: model.metrics(),
  });
  model.dispose();
}

run().catch((caught: unknown) => post(toWorkerError(inSpec(caught))));
