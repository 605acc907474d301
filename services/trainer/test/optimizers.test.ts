/**
 * SGD with momentum (and Nesterov), Adam with coupled L2 decay, the linear and
 * constant schedules, and the spec → optimizer/schedule mapping, checked step
 * by step against closed-form values (PyTorch's update rules), plus exact
 * resume of each optimizer's state through a real checkpoint.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { trainer } from '@l1g1/contracts';
import { L1g1Error } from '@l1g1/kit';
import { restoreCheckpoint, saveCheckpoint } from '../src/checkpoint/checkpoint';
import { createSeededRandom } from '../src/engine/seeded-random';
import { Adam, AdamW, createConstantWarmupSchedule, createLinearWarmupSchedule, optimizerFromSpec, scheduleFromSpec, Sgd, type TrainingOptimizer } from '../src/optim';
import { assertClose } from './support/close';

const close = assertClose;

let seq = 0;
const freshVariable = (init: number[]): tf.Variable => tf.variable(tf.tensor1d(init), true, `opt${seq++}`);

/** Applies one gradient per step (a function of the current weights) and returns the weights after each step. */
function run(opt: TrainingOptimizer, w: tf.Variable, steps: number, grad: (p: number[]) => number[]): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const g = tf.tensor1d(grad(Array.from(w.dataSync())));
    opt.applyGradients({ [w.name]: g });
    g.dispose();
    out.push(Array.from(w.dataSync()));
  }
  return out;
}

describe('trainer optim: SGD, Adam, linear and constant schedules, from spec', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('SGD with momentum μ and a constant gradient c: b_t = c·(1 − μ^t)/(1 − μ), p_t = p_{t−1} − lr·b_t', () => {
    const [lr, mu, c, p0] = [0.1, 0.9, 0.5, 1];
    const opt = new Sgd({ learningRate: lr, momentum: mu });
    const w = freshVariable([p0]);
    const got = run(opt, w, 5, () => [c]);
    let p = p0;
    const expected = [1, 2, 3, 4, 5].map((t) => (p -= lr * ((c * (1 - mu ** t)) / (1 - mu))));
    close(got.map((x) => x[0] as number), expected, 1e-6, 'p');
    assert.equal(opt.step, 5);
    opt.dispose();
  });

  it('Nesterov SGD steps along g + μ·b; without momentum, SGD is p ← p − lr·(g + λ·p) (coupled L2 decay)', () => {
    const [lr, mu, c] = [0.1, 0.5, 1];
    const nesterov = new Sgd({ learningRate: lr, momentum: mu, nesterov: true });
    const got = run(nesterov, freshVariable([0]), 3, () => [c]);
    let p = 0;
    const expected = [1, 2, 3].map((t) => (p -= lr * (c + mu * ((c * (1 - mu ** t)) / (1 - mu)))));
    close(got.map((x) => x[0] as number), expected, 1e-6, 'nesterov p');
    const decay = new Sgd({ learningRate: lr, weightDecay: 0.2 });
    const plain = run(decay, freshVariable([2]), 3, () => [c]);
    let q = 2;
    close(plain.map((x) => x[0] as number), [1, 2, 3].map(() => (q -= lr * (c + 0.2 * q))), 1e-6, 'decayed p');
    assert.throws(() => new Sgd({ nesterov: true }), (e: unknown) => e instanceof L1g1Error && e.field === 'nesterov');
    assert.throws(() => new Sgd({ momentum: 1 }), (e: unknown) => e instanceof L1g1Error && e.field === 'momentum');
    nesterov.dispose();
    decay.dispose();
  });

  it('Adam adds the decay to the gradient before the moments (PyTorch Adam), unlike AdamW', () => {
    const [lr, b1, b2, eps, wd] = [0.01, 0.9, 0.999, 1e-8, 0.1];
    const grad = (p: number[]) => p.map((x) => 2 * x - 1); // the gradient of (x − ½)²… plus a pull
    const adam = new Adam({ learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd });
    const got = run(adam, freshVariable([1.5, -0.5]), 4, grad);
    // The reference, in float64: g ← g + λp; m, v; p ← p − lr·m̂/(√v̂ + ε).
    let p = [1.5, -0.5];
    let m = [0, 0];
    let v = [0, 0];
    const expected: number[][] = [];
    for (let t = 1; t <= 4; t++) {
      const g = grad(p).map((gi, i) => gi + wd * (p[i] as number));
      m = m.map((mi, i) => b1 * mi + (1 - b1) * (g[i] as number));
      v = v.map((vi, i) => b2 * vi + (1 - b2) * (g[i] as number) ** 2);
      p = p.map((pi, i) => pi - (lr * ((m[i] as number) / (1 - b1 ** t))) / (Math.sqrt((v[i] as number) / (1 - b2 ** t)) + eps));
      expected.push(p);
    }
    got.forEach((row, t) => close(row, expected[t] as number[], 1e-5, `step ${t + 1}`));
    // AdamW with the same λ lands elsewhere: the decay is the difference.
    const adamw = new AdamW({ learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd });
    const other = run(adamw, freshVariable([1.5, -0.5]), 4, grad);
    assert.ok(Math.abs((other[3]?.[0] as number) - (got[3]?.[0] as number)) > 1e-5, 'Adam and AdamW differ under decay');
    assert.equal(new Adam().weightDecay, 0, "Adam's default decay is 0");
    adam.dispose();
    adamw.dispose();
  });

  it('linear: warmup, then down to the floor at the last step; constant: warmup, then the peak', () => {
    const linear = createLinearWarmupSchedule({ peakLr: 1, totalSteps: 10, warmupSteps: 2, minLr: 0.2 });
    // lr(s) = s/2 for s < 2; then 0.2 + 0.8·(10 − s)/8.
    close([0, 1, 2, 3, 6, 9, 10, 50].map(linear), [0, 0.5, 1, 0.9, 0.6, 0.3, 0.2, 0.2], 1e-12, 'linear');
    const constant = createConstantWarmupSchedule({ peakLr: 0.3, totalSteps: 10, warmupSteps: 3 });
    close([0, 1, 2, 3, 9, 100].map(constant), [0, 0.1, 0.2, 0.3, 0.3, 0.3], 1e-12, 'constant');
    // A run shorter than its warmup: the warmup is clamped to the run.
    assert.equal(createLinearWarmupSchedule({ peakLr: 1, totalSteps: 4, warmupSteps: 10 }).warmupSteps, 4);
    assert.throws(() => createLinearWarmupSchedule({ peakLr: 1, totalSteps: 0 }), (e: unknown) => e instanceof L1g1Error && e.field === 'total_steps');
    assert.throws(() => createConstantWarmupSchedule({ peakLr: -1, totalSteps: 3 }), (e: unknown) => e instanceof L1g1Error && e.field === 'learning_rate');
  });

  it('from spec: each kind builds its optimizer and schedule, an unknown kind is INVALID_ARGUMENT naming the field', () => {
    const K = trainer.OptimizerKind;
    const S = trainer.ScheduleKind;
    const spec = (o: Partial<trainer.OptimizerConfig>) => trainer.OptimizerConfig.fromPartial(o);
    const built = [K.OPTIMIZER_KIND_UNSPECIFIED, K.OPTIMIZER_KIND_ADAMW, K.OPTIMIZER_KIND_ADAM, K.OPTIMIZER_KIND_SGD].map((kind) => optimizerFromSpec(spec({ kind, learningRate: 0.1, momentum: kind === K.OPTIMIZER_KIND_SGD ? 0.9 : 0 })));
    assert.deepEqual(built.map((o) => o.constructor.name), ['AdamW', 'AdamW', 'Adam', 'Sgd']);
    assert.equal((built[3] as Sgd).momentum, 0.9);
    assert.equal((built[0] as AdamW).weightDecay, 0.01, "AdamW's default decay");
    assert.equal(built[2]?.learningRate, 0.1);
    built.forEach((o) => o.dispose());
    assert.throws(() => optimizerFromSpec(spec({ kind: 99 as trainer.OptimizerKind })), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'spec.config.optimizer.kind');
    const sched = (kind: trainer.ScheduleKind) => scheduleFromSpec(trainer.LrSchedule.fromPartial({ kind, warmupSteps: 2, minLearningRate: 0 }), 10, 1);
    close([S.SCHEDULE_KIND_UNSPECIFIED, S.SCHEDULE_KIND_COSINE, S.SCHEDULE_KIND_LINEAR, S.SCHEDULE_KIND_CONSTANT].map((k) => sched(k)(6)), [0.5, 0.5, 0.5, 1], 1e-12, 'lr at step 6');
    assert.equal(sched(S.SCHEDULE_KIND_LINEAR)(8), 0.25);
    assert.throws(() => sched(42 as trainer.ScheduleKind), (e: unknown) => e instanceof L1g1Error && e.field === 'spec.config.schedule.kind');
    // The schedule drives the optimizer's rate step by step.
    const opt = optimizerFromSpec(spec({ kind: K.OPTIMIZER_KIND_SGD, learningRate: 1 }), { learningRate: sched(S.SCHEDULE_KIND_LINEAR) });
    const w = freshVariable([0]);
    const rates: number[] = [];
    for (let s = 0; s < 4; s++) {
      run(opt, w, 1, () => [1]);
      rates.push(opt.lastLearningRate);
    }
    close(rates, [0, 0.5, 1, 0.875], 1e-12, 'rates');
    opt.dispose();
  });

  for (const [name, make] of [
    ['SGD with momentum', () => new Sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['Adam', () => new Adam({ learningRate: 0.05, weightDecay: 0.01 })],
  ] as const) {
    it(`${name} resumes exactly from a checkpoint: 3 steps + restore + 4 steps equals 7 steps`, () => {
      const grad = (p: number[]) => p.map((x, i) => Math.sin(x + i) + 0.3);
      const straightW = freshVariable([0.4, -1, 2]);
      const straight = run(make(), straightW, 7, grad);
      const firstW = freshVariable([0.4, -1, 2]);
      const first = make();
      run(first, firstW, 3, grad);
      const bytes = saveCheckpoint({ weights: { w: firstW }, optimizer: first, rng: createSeededRandom(1) }, { data: { epoch: 0, position: 0, seed: 1 } });
      const resumedW = freshVariable([9, 9, 9]);
      const resumed = make();
      restoreCheckpoint(bytes, { weights: { w: resumedW }, optimizer: resumed, rng: createSeededRandom(2) });
      assert.equal(resumed.step, 3);
      const after = run(resumed, resumedW, 4, grad);
      assert.deepEqual(after[3], straight[6], 'bit-identical to the uninterrupted run');
    });
  }

  it('an SGD checkpoint does not restore into AdamW: refused, nothing changed', () => {
    const w = freshVariable([1, 2]);
    const sgd = new Sgd({ learningRate: 0.1, momentum: 0.5 });
    run(sgd, w, 2, () => [1, 1]);
    const bytes = saveCheckpoint({ weights: { w }, optimizer: sgd, rng: createSeededRandom(1) }, { data: { epoch: 0, position: 0, seed: 1 } });
    const target = freshVariable([7, 7]);
    const adamw = new AdamW();
    assert.throws(
      () => restoreCheckpoint(bytes, { weights: { w: target }, optimizer: adamw, rng: createSeededRandom(1) }),
      (e: unknown) => e instanceof L1g1Error && e.reason === 'CHECKPOINT_MISMATCH',
    );
    assert.deepEqual(Array.from(target.dataSync()), [7, 7]);
    assert.equal(adamw.step, 0);
  });
});
