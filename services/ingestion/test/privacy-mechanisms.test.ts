import { strict as assert } from 'node:assert';
import {
  createPrivateStatistics,
  createSecureRandom,
  createSeededRandom,
  gaussianSigma,
  laplaceScale,
  PrivacyBudget,
  sampleGaussian,
  sampleLaplace,
  type RandomSource,
} from '../src/domain/privacy';
import { throwsL1g1 } from './cleaning-support';

/** Sample mean and (unbiased) variance of `n` draws. Bounded: callers pass n <= 200,000. */
function moments(n: number, draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i += 1) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: (sumSq - n * mean * mean) / (n - 1) };
}

/** A budget large enough for every release a statistical test makes. */
const roomy = (): PrivacyBudget => new PrivacyBudget('stats-test', { epsilon: 1e9, delta: 0.5 });

describe('privacy: random sources', () => {
  it('a seed gives the same sequence every time and different seeds differ', () => {
    const a = createSeededRandom(123);
    const b = createSeededRandom(123);
    const c = createSeededRandom(124);
    const first = Array.from({ length: 5 }, () => a());
    assert.deepEqual(first, Array.from({ length: 5 }, () => b()));
    assert.notDeepEqual(first, Array.from({ length: 5 }, () => c()));
  });

  it('draws uniformly in [0, 1) (mean 1/2, variance 1/12), seeded and secure alike', () => {
    for (const random of [createSeededRandom(1), createSecureRandom()]) {
      let min = 1;
      let max = 0;
      const m = moments(100_000, () => {
        const u = random();
        min = Math.min(min, u);
        max = Math.max(max, u);
        return u;
      });
      assert.ok(min >= 0 && max < 1);
      assert.ok(Math.abs(m.mean - 0.5) < 0.01, `mean ${m.mean}`);
      assert.ok(Math.abs(m.variance - 1 / 12) < 0.002, `variance ${m.variance}`);
    }
  });
});

describe('privacy: noise mechanisms', () => {
  it('Laplace(b) has mean 0, variance 2b² and tail P(|X| > t) = exp(-t/b)', () => {
    const b = 2.5;
    const random = createSeededRandom(7);
    const n = 200_000;
    const draws = Array.from({ length: n }, () => sampleLaplace(b, random));
    const m = moments(n, () => draws.pop() ?? 0);
    // Standard errors: mean b·sqrt(2/n) ≈ 0.008; variance ≈ 2b²·sqrt(5/n) ≈ 0.06. Tolerances are several of them.
    assert.ok(Math.abs(m.mean) < 0.05, `mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - 2 * b * b) / (2 * b * b) < 0.04, `variance ${m.variance} vs ${2 * b * b}`);
    const tailRandom = createSeededRandom(8);
    let beyond = 0;
    for (let i = 0; i < 100_000; i += 1) if (Math.abs(sampleLaplace(b, tailRandom)) > 2 * b) beyond += 1;
    assert.ok(Math.abs(beyond / 100_000 - Math.exp(-2)) < 0.005, `tail ${beyond / 100_000} vs ${Math.exp(-2)}`);
  });

  it('Gaussian(σ) has mean 0 and variance σ²', () => {
    const sigma = 3;
    const random = createSeededRandom(11);
    const m = moments(200_000, () => sampleGaussian(sigma, random));
    assert.ok(Math.abs(m.mean) < 0.05, `mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - sigma * sigma) / (sigma * sigma) < 0.02, `variance ${m.variance}`);
  });

  it('calibrates b = Δ/ε and σ = Δ·sqrt(2 ln(1.25/δ))/ε, and refuses parameters outside the theorems', () => {
    assert.equal(laplaceScale(2, 0.5), 4);
    assert.equal(gaussianSigma(1, 0.5, 1e-5), Math.sqrt(2 * Math.log(1.25 / 1e-5)) / 0.5);
    throwsL1g1(() => laplaceScale(1, 0), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'epsilon');
    throwsL1g1(() => gaussianSigma(1, 1.5, 1e-5), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'epsilon');
    throwsL1g1(() => gaussianSigma(1, 0.5, 0), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'delta');
  });
});

describe('privacy: private statistics', () => {
  it('a Laplace count is unbiased with variance 2/ε² (sensitivity 1)', () => {
    const stats = createPrivateStatistics({ budget: roomy(), random: createSeededRandom(21) });
    const epsilon = 0.5;
    const first = stats.count(1000, { mechanism: 'laplace', epsilon });
    assert.deepEqual(first.noise, { mechanism: 'laplace', epsilon, delta: 0, sensitivity: 1, scale: 2 });
    const m = moments(50_000, () => stats.count(1000, { mechanism: 'laplace', epsilon }).count);
    assert.ok(Math.abs(m.mean - 1000) < 0.1, `mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - 8) / 8 < 0.06, `variance ${m.variance}`);
  });

  it('a Gaussian histogram covers exactly the bins asked for, each unbiased with variance σ²', () => {
    const stats = createPrivateStatistics({ budget: roomy(), random: createSeededRandom(22) });
    const counts = new Map([
      ['spam', 400],
      ['ham', 1600],
      ['secret-bin', 1],
    ]);
    const params = { mechanism: 'gaussian', epsilon: 0.5, delta: 1e-6 } as const;
    const once = stats.histogram(counts, ['ham', 'spam', 'empty'], params);
    assert.deepEqual(once.bins.map((b) => b.bin), ['ham', 'spam', 'empty']);
    assert.equal(once.noise.sensitivity, 1);
    const sigma = once.noise.scale;
    const runs = 20_000;
    const sums = [0, 0, 0];
    let sumSqSpam = 0;
    for (let i = 0; i < runs; i += 1) {
      const release = stats.histogram(counts, ['ham', 'spam', 'empty'], params);
      release.bins.forEach((b, j) => (sums[j] = (sums[j] ?? 0) + b.count));
      sumSqSpam += ((release.bins[1]?.count ?? 0) - 400) ** 2;
    }
    const means = sums.map((s) => s / runs);
    assert.ok(Math.abs((means[0] ?? 0) - 1600) < 0.5 && Math.abs((means[1] ?? 0) - 400) < 0.5 && Math.abs(means[2] ?? 1) < 0.5, String(means));
    assert.ok(Math.abs(sumSqSpam / runs - sigma * sigma) / (sigma * sigma) < 0.05);
  });

  it('a mean clamps values to [lower, upper], states both sensitivities at ε/2 each, and is close to the clamped mean', () => {
    const stats = createPrivateStatistics({ budget: roomy(), random: createSeededRandom(23) });
    // 1,000 ages 20..69 and one absurd outlier that clamping must neutralise.
    const ages = [...Array.from({ length: 1000 }, (_, i) => 20 + (i % 50)), 1e9];
    const clampedMean = (ages.slice(0, 1000).reduce((s, a) => s + a, 0) + 100) / 1001;
    const release = stats.mean(ages, 0, 100, { mechanism: 'laplace', epsilon: 1 });
    assert.deepEqual([release.sum.sensitivity, release.sum.epsilon, release.count.sensitivity, release.count.epsilon], [100, 0.5, 1, 0.5]);
    const m = moments(5_000, () => stats.mean(ages, 0, 100, { mechanism: 'laplace', epsilon: 1 }).mean);
    assert.ok(Math.abs(m.mean - clampedMean) < 0.05, `mean ${m.mean} vs ${clampedMean}`);
    assert.ok(release.mean >= 0 && release.mean <= 100);
    throwsL1g1(() => stats.mean([1], 5, 5, { mechanism: 'laplace', epsilon: 1 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'lower');
    throwsL1g1(() => stats.mean([1, Number.NaN], 0, 5, { mechanism: 'laplace', epsilon: 1 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'values[1]');
  });

  it('the same seed releases the same figures', () => {
    const release = (): number =>
      createPrivateStatistics({ budget: roomy(), random: createSeededRandom(99) }).count(10, { mechanism: 'laplace', epsilon: 1 }).count;
    assert.equal(release(), release());
  });

  it('refuses a release beyond the dataset budget before drawing any noise', () => {
    let draws = 0;
    const seeded = createSeededRandom(5);
    const counting: RandomSource = () => {
      draws += 1;
      return seeded();
    };
    const budget = new PrivacyBudget('ds-1', { epsilon: 1, delta: 0 });
    const stats = createPrivateStatistics({ budget, random: counting });
    stats.count(10, { mechanism: 'laplace', epsilon: 0.75 });
    const drawsBefore = draws;
    const err = throwsL1g1(() => stats.count(10, { mechanism: 'laplace', epsilon: 0.5 }), 'FAILED_PRECONDITION', 'PRIVACY_BUDGET_SPENT');
    assert.equal(err.metadata['dataset'], 'ds-1');
    assert.equal(draws, drawsBefore);
    // Gaussian needs δ, and this dataset's δ budget is 0.
    throwsL1g1(() => stats.count(10, { mechanism: 'gaussian', epsilon: 0.1, delta: 1e-6 }), 'FAILED_PRECONDITION', 'PRIVACY_BUDGET_SPENT');
    assert.equal(draws, drawsBefore);
  });
});
