/**
 * The worker thread of one training attempt: picks the tfjs backend, builds
 * the model, runs the engine's `train()` (AdamW, warmup + cosine, clipping,
 * checkpoints, early stopping, exact resume) and reports every step,
 * evaluation and checkpoint to the main thread, which owns all I/O.
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { L1g1Error } from '@l1g1/kit';
import { selectBackend } from '../engine/backend';
import { createSeededRandom } from '../engine/seeded-random';
import { saveCheckpoint } from '../checkpoint/checkpoint';
import { train, type TrainResult } from '../engine/train-loop';
import { AdamW } from '../optim/adamw';
import { createCosineWarmupSchedule } from '../optim/cosine-schedule';
import { createInterimMlp } from './interim-mlp';
import type { ExampleSet, MainToWorker, TrainWorkerInput, WorkerToMain } from './train-protocol';

const port = parentPort;
if (!port) throw new Error('train-worker runs as a worker thread');
const input = workerData as TrainWorkerInput;
const post = (m: WorkerToMain, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const controller = new AbortController();
port.on('message', (m: MainToWorker) => {
  if (m.type === 'abort') controller.abort();
});

/** val_loss, val_accuracy and val_macro_f1 over `set`, in batches (bounded memory). */
function evaluate(model: ReturnType<typeof createInterimMlp>, set: ExampleSet, classCount: number, dim: number): Record<string, number> {
  const confusion = new Float64Array(classCount * classCount);
  let lossSum = 0;
  const chunk = 1024;
  for (let from = 0; from < set.count; from += chunk) {
    const n = Math.min(chunk, set.count - from);
    const probs = tf.tidy(() => model.predict(tf.tensor2d(set.features.subarray(from * dim, (from + n) * dim), [n, dim])).dataSync());
    for (let i = 0; i < n; i++) {
      const truth = set.labels[from + i] as number;
      let best = 0;
      for (let c = 1; c < classCount; c++) if ((probs[i * classCount + c] as number) > (probs[i * classCount + best] as number)) best = c;
      lossSum -= Math.log(Math.max(probs[i * classCount + truth] as number, 1e-12));
      confusion[truth * classCount + best] = (confusion[truth * classCount + best] as number) + 1;
    }
  }
  let correct = 0;
  let f1Sum = 0;
  for (let c = 0; c < classCount; c++) {
    const tp = confusion[c * classCount + c] as number;
    correct += tp;
    let predicted = 0;
    let actual = 0;
    for (let k = 0; k < classCount; k++) {
      predicted += confusion[k * classCount + c] as number;
      actual += confusion[c * classCount + k] as number;
    }
    // scikit-learn's zero_division=0: a class never predicted nor present scores 0.
    f1Sum += predicted + actual === 0 ? 0 : (2 * tp) / (predicted + actual);
  }
  return { val_loss: lossSum / Math.max(1, set.count), val_accuracy: correct / Math.max(1, set.count), val_macro_f1: f1Sum / classCount };
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
  const classCount = input.classNames.length;
  const dim = input.architecture.inputDim;
  const model = createInterimMlp(input.architecture, classCount, input.seed, input.train);
  const stepsPerEpoch = Math.ceil(input.train.count / input.batchSize);
  const planned = stepsPerEpoch * input.epochs;
  const totalSteps = input.maxSteps > 0 ? Math.min(planned, input.maxSteps) : planned;
  // The contract caps the warmup at 10 % of a short run.
  const warmupSteps = Math.min(input.schedule.warmupSteps, Math.max(0, Math.ceil(totalSteps * 0.1)));
  const optimizer = new AdamW({
    learningRate: createCosineWarmupSchedule({ peakLr: input.optimizer.learningRate, totalSteps, warmupSteps, minLr: input.schedule.minLearningRate }),
    beta1: input.optimizer.beta1,
    beta2: input.optimizer.beta2,
    epsilon: input.optimizer.epsilon,
    weightDecay: input.optimizer.weightDecay,
    // Biases are not decayed (the contract's rule).
    excludeFromWeightDecay: (name) => name.endsWith('/bias'),
  });
  const validation = input.validation && input.validation.count > 0 ? input.validation : undefined;
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
                lastMetrics = evaluate(model, validation, classCount, dim);
                return lastMetrics[es?.metric ?? 'val_loss'] as number;
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
    model,
    () =>
      (async function* () {
        for (let i = 0; i < input.train.count; i++) yield i;
      })(),
  );
  const status = hitMaxSteps ? 'max_steps' : result.status;
  if (status !== 'cancelled') {
    // The final state, so ExportOnnx and ResumeJob (more epochs) can start from the end.
    const bytes = Uint8Array.from(
      // The interim MLP draws nothing from the run's PRNG, so a fresh one stands in for its state.
      saveCheckpoint({ weights: model.weights, optimizer, rng: createSeededRandom(input.seed) }, {
        data: { epoch: result.epoch, position: 0, seed: input.seed },
        meta: input.meta,
      }),
    );
    post({ type: 'checkpoint', bytes, step: result.step, epoch: result.epoch, final: true }, [bytes.buffer]);
  }
  if (validation) post({ type: 'evaluation', step: result.step, epoch: result.epoch, metrics: evaluate(model, validation, classCount, dim), improved: false });
  post({
    type: 'done',
    status,
    step: result.step,
    epoch: result.epoch,
    loss: result.lastLoss,
    weightsSha256: weightsSha256(model.weights),
    exportSpec: model.exportSpec(input.classNames),
  });
}

run().catch((err: unknown) => {
  if (err instanceof L1g1Error) post({ type: 'error', kind: err.kind, message: err.message, field: err.field ?? '' });
  else post({ type: 'error', kind: 'INTERNAL', message: err instanceof Error ? (err.stack ?? err.message) : String(err), field: '' });
});
