import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { L1g1Error } from '@l1g1/kit';
import { restoreCheckpoint, saveCheckpoint, type DataPosition, type TrainingParts } from '../src/checkpoint/checkpoint';
import { decodeCheckpoint, encodeCheckpoint } from '../src/checkpoint/checkpoint-format';
import { epochPermutation } from '../src/engine/data-order';
import { createSeededRandom } from '../src/engine/seeded-random';
import { registerWasmKernels } from '../src/engine/kernels';
import { AdamW } from '../src/optim/adamw';
import { createCosineWarmupSchedule } from '../src/optim/cosine-schedule';
import { clipByGlobalNorm } from '../src/optim/clip-grad-norm';

const EXAMPLES = 24;
const BATCH = 5; // does not divide 24: the last batch of an epoch is short, and a resume may land mid-epoch
const TOTAL_STEPS = 17;
const DATA_SEED = 42;

/** A fixed toy regression set: 3 features → 2 targets. */
const DATA = (() => {
  const r = createSeededRandom(1);
  const x = Array.from({ length: EXAMPLES }, () => r.nextN(3).map((v) => v * 2 - 1));
  const y = x.map(([a = 0, b = 0, c = 0]) => [Math.sin(a + b), a * c - b]);
  return { x, y };
})();

let runCounter = 0;
/** A fresh 3-8-2 MLP (init from `initSeed`), AdamW on a warmup+cosine schedule, and a PRNG for input noise. */
function freshParts(initSeed: number): TrainingParts {
  const r = createSeededRandom(initSeed);
  const tag = `ckpt${runCounter++}`; // tfjs variable names are global to the engine
  const init = (shape: number[]) => tf.tensor(r.nextN(shape.reduce((a, b) => a * b, 1)).map((v) => (v - 0.5) * 0.8), shape);
  return {
    weights: {
      'dense1/kernel': tf.variable(init([3, 8]), true, `${tag}/dense1/kernel`),
      'dense1/bias': tf.variable(init([8]), true, `${tag}/dense1/bias`),
      'dense2/kernel': tf.variable(init([8, 2]), true, `${tag}/dense2/kernel`),
      'dense2/bias': tf.variable(init([2]), true, `${tag}/dense2/bias`),
    },
    optimizer: new AdamW({ learningRate: createCosineWarmupSchedule({ peakLr: 0.05, totalSteps: TOTAL_STEPS, warmupSteps: 4, minLr: 0.001 }) }),
    rng: createSeededRandom(7),
  };
}

/** Runs training steps until `untilStep`, from `data`; returns where the data stream stands. */
function trainUntil(parts: TrainingParts, data: DataPosition, untilStep: number): DataPosition {
  let { epoch, position } = data;
  const w = parts.weights as Record<string, tf.Variable>;
  while (parts.optimizer.step < untilStep) {
    const order = epochPermutation(EXAMPLES, data.seed, epoch);
    const idx = Array.from(order.subarray(position, position + BATCH));
    // input noise from the run's PRNG: a resume must continue its sequence exactly
    const xs = idx.map((i) => (DATA.x[i] as number[]).map((v) => v + (parts.rng.next() - 0.5) * 0.01));
    const ys = idx.map((i) => DATA.y[i] as number[]);
    tf.tidy(() => {
      const x = tf.tensor2d(xs);
      const y = tf.tensor2d(ys);
      const { grads } = tf.variableGrads(() => {
        const h = tf.relu(tf.add(tf.matMul(x, w['dense1/kernel'] as tf.Variable), w['dense1/bias'] as tf.Variable));
        const out = tf.add(tf.matMul(h, w['dense2/kernel'] as tf.Variable), w['dense2/bias'] as tf.Variable);
        return tf.mean(tf.square(tf.sub(out, y))) as tf.Scalar;
      });
      const clipped = clipByGlobalNorm(grads, 1.0);
      parts.optimizer.applyGradients(clipped.grads);
    });
    position += idx.length;
    if (position >= EXAMPLES) {
      epoch += 1;
      position = 0;
    }
  }
  return { epoch, position, seed: data.seed };
}

const weightBits = (parts: TrainingParts) =>
  Object.fromEntries(Object.entries(parts.weights).map(([k, v]) => [k, Buffer.from(v.dataSync().buffer).toString('hex')]));

function disposeParts(parts: TrainingParts): void {
  Object.values(parts.weights).forEach((v) => v.dispose());
  parts.optimizer.dispose();
}

function rejectsAs(f: () => unknown, reason: string, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof L1g1Error, String(e));
    assert.equal(e.reason, reason);
    assert.match(e.message, message);
    return true;
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`trainer checkpoint: exact resume (${backend} backend)`, () => {
    before(async () => {
      registerWasmKernels(tf);
      assert.equal(await tf.setBackend(backend), true);
    });
    after(async () => {
      await tf.setBackend('cpu');
    });

    it('checkpoint at step k, restore into fresh variables, continue: final weights are bit-identical to an uninterrupted run', () => {
      const start: DataPosition = { epoch: 0, position: 0, seed: DATA_SEED };
      const reference = freshParts(3);
      trainUntil(reference, start, TOTAL_STEPS);
      const expected = weightBits(reference);
      disposeParts(reference);

      // epoch 0 is 5 steps (5+5+5+5+4): step 7 lands mid-epoch 1 (position 10), step 10 exactly at the start of epoch 2
      for (const k of [7, 10]) {
        const first = freshParts(3);
        const at = trainUntil(first, start, k);
        const bytes = saveCheckpoint(first, { data: at, meta: { job_id: 'job-1' } });
        disposeParts(first); // the process "dies"

        const resumed = freshParts(99); // different init: everything must come from the checkpoint
        const state = restoreCheckpoint(bytes, resumed);
        assert.deepEqual([state.step, state.data, state.meta], [k, at, { job_id: 'job-1' }]);
        assert.equal(resumed.optimizer.step, k);
        trainUntil(resumed, state.data, TOTAL_STEPS);
        assert.deepEqual(weightBits(resumed), expected, `resume from step ${k}`);
        disposeParts(resumed);
      }
    });

    it('the test can fail: resuming without the optimizer moments or the PRNG state diverges', () => {
      const start: DataPosition = { epoch: 0, position: 0, seed: DATA_SEED };
      const reference = freshParts(3);
      trainUntil(reference, start, TOTAL_STEPS);
      const expected = weightBits(reference);
      disposeParts(reference);

      const first = freshParts(3);
      const at = trainUntil(first, start, 7);
      const bytes = saveCheckpoint(first, { data: at });
      disposeParts(first);
      for (const damage of ['moments', 'rng'] as const) {
        const resumed = freshParts(99);
        restoreCheckpoint(bytes, resumed);
        if (damage === 'moments') resumed.optimizer.setState({ step: 7, moments: [] });
        else resumed.rng.setState(7);
        trainUntil(resumed, at, TOTAL_STEPS);
        assert.notDeepEqual(weightBits(resumed), expected, `losing the ${damage} changes the result`);
        disposeParts(resumed);
      }
    });
  });
}

describe('trainer checkpoint: file format and validation', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  function smallCheckpoint(): { bytes: Buffer; parts: TrainingParts } {
    const parts = freshParts(5);
    trainUntil(parts, { epoch: 0, position: 0, seed: 1 }, 2);
    return { bytes: saveCheckpoint(parts, { data: { epoch: 0, position: 10, seed: 1 } }), parts };
  }

  it('is self-describing: magic, a JSON header listing every tensor, raw float32 bytes, a sha256 trailer', () => {
    const { bytes, parts } = smallCheckpoint();
    assert.equal(bytes.toString('latin1', 0, 8), 'L1G1CKPT');
    const headerLength = bytes.readUInt32LE(12);
    const header = JSON.parse(bytes.toString('utf8', 16, 16 + headerLength)) as { format: string; tensors: Array<{ name: string; group: string; shape: number[] }> };
    assert.equal(header.format, 'l1g1-checkpoint');
    assert.deepEqual(
      header.tensors.map((t) => `${t.group}:${t.name}:${t.shape.join('x')}`).sort(),
      ['dense1/bias:8', 'dense1/kernel:3x8', 'dense2/bias:2', 'dense2/kernel:8x2']
        .flatMap((s) => ['weights', 'optimizer.m', 'optimizer.v'].map((g) => `${g}:${s}`))
        .sort(),
    );
    // the first payload is the first weight's raw little-endian float32 bytes
    const first = parts.weights['dense1/kernel'] as tf.Variable;
    assert.ok(bytes.subarray(16 + headerLength, 16 + headerLength + 4 * 24).equals(Buffer.from(first.dataSync().buffer)));
    disposeParts(parts);
  });

  it('round-trips int32 and empty tensors', () => {
    const file = encodeCheckpoint({
      state: { any: 'json' },
      tensors: [
        { name: 'ids', group: 'extra', dtype: 'int32', shape: [3], values: Int32Array.from([-1, 0, 2147483647]) },
        { name: 'empty', group: 'extra', dtype: 'float32', shape: [0, 4], values: new Float32Array(0) },
      ],
    });
    const back = decodeCheckpoint(file);
    assert.deepEqual(back.state, { any: 'json' });
    assert.deepEqual(Array.from(back.tensors[0]?.values ?? []), [-1, 0, 2147483647]);
    assert.deepEqual(back.tensors[1]?.shape, [0, 4]);
  });

  it('a flipped byte, a truncated file or a foreign file is CHECKPOINT_CORRUPT, and nothing is written', () => {
    const { bytes, parts } = smallCheckpoint();
    const target = freshParts(6);
    const before = weightBits(target);
    const flipped = Buffer.from(bytes);
    flipped[flipped.byteLength - 100]! ^= 1;
    rejectsAs(() => restoreCheckpoint(flipped, target), 'CHECKPOINT_CORRUPT', /sha256/);
    rejectsAs(() => restoreCheckpoint(bytes.subarray(0, bytes.byteLength - 7), target), 'CHECKPOINT_CORRUPT', /sha256/);
    rejectsAs(() => restoreCheckpoint(Buffer.from('PK\u0003\u0004 not a checkpoint at all, just bytes'), target), 'CHECKPOINT_CORRUPT', /not an L1G1 checkpoint/);
    assert.deepEqual(weightBits(target), before);
    assert.equal(target.optimizer.step, 0);
    disposeParts(parts);
    disposeParts(target);
  });

  it('a checkpoint of another model is CHECKPOINT_MISMATCH naming the missing, unknown and mis-shaped weights, and nothing is written', () => {
    const { bytes, parts } = smallCheckpoint();
    const renamed = freshParts(6);
    const w = renamed.weights as Record<string, tf.Variable>;
    const other: TrainingParts = {
      ...renamed,
      weights: { 'dense1/kernel': w['dense1/kernel'] as tf.Variable, 'dense1/bias': w['dense1/bias'] as tf.Variable, 'head/kernel': w['dense2/kernel'] as tf.Variable },
    };
    rejectsAs(() => restoreCheckpoint(bytes, other), 'CHECKPOINT_MISMATCH', /missing from the checkpoint: head\/kernel; weights the model does not have: dense2\/kernel, dense2\/bias/);

    const wider = freshParts(6);
    const wk = wider.weights as Record<string, tf.Variable>;
    const kernel = wk['dense2/kernel'] as tf.Variable;
    const widerKernel = tf.variable(tf.zeros([8, 3]), true, `${kernel.name}-wide`);
    const before = weightBits(wider);
    rejectsAs(
      () => restoreCheckpoint(bytes, { ...wider, weights: { ...wk, 'dense2/kernel': widerKernel } }),
      'CHECKPOINT_MISMATCH',
      /weight dense2\/kernel is float32\[8,2\] in the checkpoint, float32\[8,3\] in the model/,
    );
    assert.deepEqual(weightBits(wider), before, 'the weights checked before the mis-shaped one are not written either');
    assert.equal(wider.optimizer.step, 0);
    widerKernel.dispose();
    [parts, renamed, wider].forEach(disposeParts);
  });
});
