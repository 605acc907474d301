import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { L1g1Error } from '@l1g1/kit';
import { AdamW, ADAMW_DEFAULTS } from '../src/optim/adamw';
import { assertClose } from './support/close';

const close = assertClose;

/** Applies `steps` steps of the given per-step gradients to a fresh variable, returning its values and the optimizer. */
function run(init: number[], gradsPerStep: number[][], opt: AdamW): { weights: number[][]; opt: AdamW; w: tf.Variable } {
  const w = tf.variable(tf.tensor1d(init), true, `w${Math.random().toString(36).slice(2)}`);
  const weights: number[][] = [];
  for (const g of gradsPerStep) {
    const grad = tf.tensor1d(g);
    opt.applyGradients({ [w.name]: grad });
    grad.dispose();
    weights.push(Array.from(w.dataSync()));
  }
  return { weights, opt, w };
}

describe('trainer optim: AdamW', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('has the source defaults: lr 5e-5, betas (0.9, 0.98), weight decay 0.01, eps 1e-8', () => {
    const opt = new AdamW();
    assert.deepEqual(
      [opt.learningRate, opt.beta1, opt.beta2, opt.weightDecay, opt.epsilon],
      [5e-5, 0.9, 0.98, 0.01, 1e-8],
    );
    assert.deepEqual({ ...ADAMW_DEFAULTS }, { learningRate: 5e-5, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.01 });
    opt.dispose();
  });

  it('with a constant gradient c, every step is p ← p·(1 − lr·λ) − lr·c/(|c| + ε) (closed form of the bias-corrected moments)', () => {
    // m_t = (1 − β1^t)·c and v_t = (1 − β2^t)·c², so m̂ = c and √v̂ = |c| at every t: only a correct
    // bias correction gives this exact sequence.
    const lr = 0.1;
    const wd = 0.5;
    const eps = 1e-8;
    const c = [0.5, -2, 0.001];
    const opt = new AdamW({ learningRate: lr, weightDecay: wd, epsilon: eps });
    const { weights, w } = run([1, -1, 3], Array.from({ length: 5 }, () => c), opt);
    let p = [1, -1, 3];
    weights.forEach((actual, step) => {
      p = p.map((pi, i) => pi * (1 - lr * wd) - (lr * (c[i] as number)) / (Math.abs(c[i] as number) + eps));
      close(actual, p, 1e-6, `step ${step + 1}`);
    });
    // hand-checked first value: 1·(1 − 0.05) − 0.1·0.5/0.50000001 = 0.85
    close([weights[0]?.[0] as number], [0.85], 1e-6, 'step 1 by hand');
    w.dispose();
    opt.dispose();
  });

  it('matches the PyTorch AdamW recurrence step by step on a varying gradient', () => {
    const gs = [[0.3, -1.2], [0.1, 0.4], [-0.7, 0.05], [0.2, -0.2]];
    const lr = 0.01;
    const wd = 0.01;
    const [b1, b2, eps] = [0.9, 0.98, 1e-8];
    const opt = new AdamW({ learningRate: lr });
    const { weights, w } = run([0.5, -0.25], gs, opt);
    // torch.optim.AdamW's loop (foreach=False), in float64, written out:
    //   p *= 1 − lr·wd; m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²
    //   p −= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
    let p = [0.5, -0.25];
    let m = [0, 0];
    let v = [0, 0];
    gs.forEach((g, k) => {
      const t = k + 1;
      m = m.map((mi, i) => b1 * mi + (1 - b1) * (g[i] as number));
      v = v.map((vi, i) => b2 * vi + (1 - b2) * (g[i] as number) ** 2);
      p = p.map((pi, i) => pi * (1 - lr * wd) - (lr / (1 - b1 ** t)) * ((m[i] as number) / (Math.sqrt(v[i] as number) / Math.sqrt(1 - b2 ** t) + eps)));
      close(weights[k] as number[], p, 1e-6, `step ${t}`);
    });
    const state = opt.getState();
    assert.equal(state.step, 4);
    close(state.moments[0]?.m.dataSync() ?? [], m, 1e-6, 'm');
    close(state.moments[0]?.v.dataSync() ?? [], v, 1e-6, 'v');
    state.moments.forEach((s) => tf.dispose([s.m, s.v]));
    w.dispose();
    opt.dispose();
  });

  it('weight decay is decoupled: the moments are the same with and without it, only the weights differ', () => {
    const gs = [[0.3, -1.2], [0.1, 0.4], [-0.7, 0.05]];
    const withDecay = run([2, -3], gs, new AdamW({ learningRate: 0.1, weightDecay: 0.3 }));
    const without = run([2, -3], gs, new AdamW({ learningRate: 0.1, weightDecay: 0 }));
    const a = withDecay.opt.getState().moments[0];
    const b = without.opt.getState().moments[0];
    assert.deepEqual(Array.from(a?.m.dataSync() ?? []), Array.from(b?.m.dataSync() ?? []));
    assert.deepEqual(Array.from(a?.v.dataSync() ?? []), Array.from(b?.v.dataSync() ?? []));
    assert.notDeepEqual(withDecay.weights.at(-1), without.weights.at(-1));
    // with L2 in the gradient (Adam + λ·p) the first moment would be (1 − β1)·(g + λ·p) instead
    close(a?.m.dataSync().slice(0, 2) ?? [], [0.9 * (0.9 * 0.03 + 0.01) - 0.07, 0.9 * (0.9 * -0.12 + 0.04) + 0.005], 1e-6, 'm3');
    for (const r of [withDecay, without]) {
      r.w.dispose();
      r.opt.dispose();
    }
  });

  it('takes its rate from a schedule over the step index, and excluded variables are not decayed', () => {
    const rates: number[] = [];
    const opt = new AdamW({
      learningRate: (step) => {
        rates.push(step);
        return 0.1 * (step + 1);
      },
      weightDecay: 1,
      excludeFromWeightDecay: (name) => name.startsWith('bias'),
    });
    const bias = tf.variable(tf.tensor1d([1]), true, 'bias_for_exclusion_test');
    const kernel = tf.variable(tf.tensor1d([1]), true, 'kernel_for_exclusion_test');
    for (let i = 0; i < 2; i++) {
      const zero = tf.tensor1d([0]);
      opt.applyGradients({ [bias.name]: zero, [kernel.name]: zero });
      zero.dispose();
    }
    assert.deepEqual(rates, [0, 1]);
    assert.equal(opt.lastLearningRate, 0.2);
    // zero gradient: only decay moves the weights: kernel ← 1·(1 − 0.1)·(1 − 0.2)
    close(bias.dataSync(), [1], 1e-7, 'bias');
    close(kernel.dataSync(), [0.72], 1e-6, 'kernel');
    tf.dispose([bias, kernel]);
    opt.dispose();
  });

  it('trains through tf.Optimizer.minimize like any tfjs optimizer', () => {
    const w = tf.variable(tf.scalar(3), true, 'minimize_test_w');
    const opt = new AdamW({ learningRate: 0.1, weightDecay: 0 });
    for (let i = 0; i < 100; i++) opt.minimize(() => tf.square(tf.sub(w, 1)) as tf.Scalar);
    assert.ok(Math.abs((w.dataSync()[0] as number) - 1) < 0.05, `w converges to 1, got ${w.dataSync()[0]}`);
    assert.equal(opt.step, 100);
    w.dispose();
    opt.dispose();
  });

  it('refuses bad hyper-parameters with INVALID_ARGUMENT naming the field', () => {
    const cases: Array<[ConstructorParameters<typeof AdamW>[0], string]> = [
      [{ beta1: 1 }, 'beta1'],
      [{ beta2: -0.1 }, 'beta2'],
      [{ epsilon: Number.NaN }, 'epsilon'],
      [{ weightDecay: -1 }, 'weight_decay'],
      [{ learningRate: -1e-3 }, 'learning_rate'],
    ];
    for (const [config, field] of cases) {
      assert.throws(() => new AdamW(config), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field);
    }
  });
});
