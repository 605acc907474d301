import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { L1g1Error } from '@l1g1/kit';
import { train, type StepEvent, type TrainableModel, type TrainOptions } from '../src/engine/train-loop';
import { shuffled } from '../src/engine/shuffle-buffer';
import { AdamW } from '../src/optim/adamw';
import { createCosineWarmupSchedule } from '../src/optim/cosine-schedule';

interface Example { id: number; x: number; y: number }

/** y = 2x + 1 on 20 points, as an async stream (re-created per epoch, like a dataset reader). */
const EXAMPLES: Example[] = Array.from({ length: 20 }, (_, id) => ({ id, x: id / 10 - 1, y: 2 * (id / 10 - 1) + 1 }));
const data = () => (async function* () {
  for (const e of EXAMPLES) yield e;
})();

let modelCounter = 0;
/** A linear model y = w·x + b, recording the ids of each batch it sees; input noise from the run's PRNG. */
function linearModel(): TrainableModel<Example> & { seen: number[][]; dispose(): void } {
  const tag = `loop${modelCounter++}`;
  const w = tf.variable(tf.scalar(0), true, `${tag}/w`);
  const b = tf.variable(tf.scalar(0), true, `${tag}/b`);
  const seen: number[][] = [];
  return {
    weights: { w, b },
    seen,
    loss(batch, { rng }) {
      seen.push(batch.map((e) => e.id));
      const x = tf.tensor1d(batch.map((e) => e.x + (rng.next() - 0.5) * 1e-3));
      const y = tf.tensor1d(batch.map((e) => e.y));
      return tf.mean(tf.square(tf.sub(tf.add(tf.mul(x, w), b), y))) as tf.Scalar;
    },
    dispose: () => tf.dispose([w, b]),
  };
}

const weights = (m: TrainableModel<Example>) => Object.values(m.weights).map((v) => Buffer.from(v.dataSync().buffer).toString('hex'));
const opts = (over: Partial<TrainOptions> = {}): TrainOptions => ({
  epochs: 3,
  batchSize: 6, // 20 = 6 + 6 + 6 + 2: every epoch ends with a short batch
  optimizer: new AdamW({ learningRate: createCosineWarmupSchedule({ peakLr: 0.1, totalSteps: 12, warmupSteps: 2 }), weightDecay: 0 }),
  seed: 42,
  shuffleBuffer: 8,
  ...over,
});

describe('trainer engine: train loop', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('runs epochs × batches steps, reporting step, epoch, loss, the scheduled lr and samples/s; the loss falls', async () => {
    const model = linearModel();
    const events: StepEvent[] = [];
    let clock = 0;
    const o = opts({ epochs: 6, optimizer: new AdamW({ learningRate: 0.1, weightDecay: 0 }), onStep: (e) => void events.push(e), now: () => (clock += 250) });
    const result = await train(o, model, data);
    assert.deepEqual([result.status, result.step, result.epoch], ['completed', 24, 6]);
    assert.deepEqual(events.map((e) => e.step), Array.from({ length: 24 }, (_, i) => i + 1));
    assert.deepEqual(events.slice(0, 5).map((e) => e.epoch), [0, 0, 0, 0, 1]);
    // each step reads the clock twice, 250 ms apart: 6 samples / 0.25 s, and 2 for the short batch
    assert.deepEqual(events.slice(0, 4).map((e) => e.samplesPerSec), [24, 24, 24, 8]);
    assert.ok((events.at(-1)?.loss ?? Infinity) < (events[0]?.loss ?? 0) / 10, 'the loss falls by 10× or more');
    model.dispose();
  });

  it('passes the schedule rate of each step to the step event', async () => {
    const model = linearModel();
    const lrs: number[] = [];
    await train(opts({ onStep: (e) => void lrs.push(e.lr) }), model, data);
    const schedule = createCosineWarmupSchedule({ peakLr: 0.1, totalSteps: 12, warmupSteps: 2 });
    assert.deepEqual(lrs, Array.from({ length: 12 }, (_, s) => schedule(s)));
    model.dispose();
  });

  it('shuffles with the seed: each epoch visits every example once, epochs differ, the same seed repeats', async () => {
    const a = linearModel();
    const b = linearModel();
    const c = linearModel();
    await train(opts(), a, data);
    await train(opts(), b, data);
    await train(opts({ seed: 7 }), c, data);
    const epochsOf = (m: { seen: number[][] }) => [0, 4, 8].map((i) => m.seen.slice(i, i + 4).flat());
    for (const ids of epochsOf(a)) assert.deepEqual([...ids].sort((x, y) => x - y), EXAMPLES.map((e) => e.id));
    const [e0, e1] = epochsOf(a);
    assert.notDeepEqual(e0, e1);
    assert.deepEqual(b.seen, a.seen);
    assert.deepEqual(weights(b), weights(a));
    assert.notDeepEqual(c.seen, a.seen);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('the shuffle holds at most its buffer: the first output comes before the source is read past bufferSize + 1', async () => {
    let read = 0;
    const source = (async function* () {
      for (let i = 0; i < 1000; i++) {
        read++;
        yield i;
      }
    })();
    const it = shuffled(source, 4, 1, 0);
    await it.next();
    assert.equal(read, 5);
    await it.return(undefined);
  });

  it('checkpoints every N steps; resuming from one ends bit-identical to the uninterrupted run', async () => {
    const reference = linearModel();
    await train(opts(), reference, data);
    const checkpoints = new Map<number, Buffer>();
    const first = linearModel();
    await train(opts({ checkpointEvery: 3, onCheckpoint: (bytes, at) => void checkpoints.set(at.step, bytes) }), first, data);
    assert.deepEqual([...checkpoints.keys()], [3, 6, 9, 12]);
    for (const at of [3, 6]) { // step 3: mid-epoch 0; step 6: mid-epoch 1, after a short batch
      const resumed = linearModel();
      const steps: number[] = [];
      const result = await train(opts({ resumeFrom: checkpoints.get(at), onStep: (e) => void steps.push(e.step) }), resumed, data);
      assert.deepEqual(steps, Array.from({ length: 12 - at }, (_, i) => at + 1 + i), `resume from ${at}`);
      assert.equal(result.status, 'completed');
      assert.deepEqual(weights(resumed), weights(reference), `resume from ${at}`);
      assert.deepEqual(resumed.seen, reference.seen.slice(at), 'the same batches, in the same order');
      resumed.dispose();
    }
    [reference, first].forEach((m) => m.dispose());
  });

  it('stops early when the validation metric has not improved for `patience` evaluations', async () => {
    const model = linearModel();
    const metrics = [5, 4, 4.5, 3.99, 4.2, 4.1, 1, 1];
    const seen: Array<[number, boolean]> = [];
    const result = await train(opts({
      epochs: 10,
      earlyStopping: { evaluate: () => metrics.shift() ?? 0, mode: 'min', patience: 2, minDelta: 0.05 },
      onValidation: (e) => void seen.push([e.metric, e.improved]),
    }), model, data);
    // 3.99 is better than 4 by less than min_delta: not an improvement
    assert.deepEqual(seen, [[5, true], [4, true], [4.5, false], [3.99, false]]);
    assert.deepEqual([result.status, result.epoch, result.step, result.bestMetric], ['early_stopped', 4, 16, 4]);
    model.dispose();
  });

  it('cancels through an AbortSignal before the next step, writing a checkpoint to resume from', async () => {
    const model = linearModel();
    const controller = new AbortController();
    const saved: number[] = [];
    const result = await train(opts({
      signal: controller.signal,
      onStep: (e) => {
        if (e.step === 5) controller.abort();
      },
      onCheckpoint: (_bytes, at) => void saved.push(at.step),
    }), model, data);
    assert.deepEqual([result.status, result.step], ['cancelled', 5]);
    assert.deepEqual(saved, [5]);
    model.dispose();
  });

  it('refuses a bad config with INVALID_ARGUMENT naming the field, before any step', async () => {
    const model = linearModel();
    const cases: Array<[Partial<TrainOptions>, string]> = [
      [{ batchSize: 0 }, 'batch_size'],
      [{ epochs: 1.5 }, 'epochs'],
      [{ clipNorm: -1 }, 'clip_norm'],
      [{ seed: -3 }, 'seed'],
      [{ earlyStopping: { evaluate: () => 0, mode: 'min', patience: 0 } }, 'early_stopping.patience'],
    ];
    for (const [over, field] of cases) {
      await assert.rejects(train(opts(over), model, data), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field);
    }
    assert.equal(model.seen.length, 0);
    model.dispose();
  });
});
