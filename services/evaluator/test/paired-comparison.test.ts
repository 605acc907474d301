import { strict as assert } from 'node:assert';
import { readVariantUsability, variantUsabilityTags } from '@l1g1/contracts';
import { L1g1Error } from '@l1g1/kit';
import { comparePaired } from '../src/compare/paired-comparison';

/** 200 records, 2 classes; the baseline (fp32) is wrong on every 20th record. */
const N = 200;
const truth = Array.from({ length: N }, (_, i) => (i % 4 === 0 ? 1 : 0));
const flip = (y: number) => 1 - y;
const baseline = truth.map((y, i) => (i % 20 === 0 ? flip(y) : y));
const labels = ['ham', 'spam'];

describe('evaluator compare: paired comparison of a variant against fp32 decides usability with evidence', () => {
  it('a variant within the bound is usable; figures are exact on hand-countable data', () => {
    // The candidate also errs on record 1 (one more mistake): accuracy 0.945 vs 0.95 = a 0.5-point drop.
    const candidate = baseline.map((y, i) => (i === 1 ? flip(y) : y));
    const c = comparePaired({ labels, truth, baseline, candidate, metric: 'accuracy', maxDrop: 0.005, seed: 42, resamples: 300 }, 'fp32');
    assert.equal(c.baselineValue, 0.95);
    assert.equal(c.candidateValue, 0.945);
    assert.equal(c.withinTolerance, true, 'exactly at the bound is within it');
    assert.equal(c.agreement, 199 / 200);
    assert.deepEqual([c.mcnemar.baselineOnly, c.mcnemar.candidateOnly, c.mcnemar.method, c.mcnemar.pValue], [1, 0, 'exact', 1]);
    assert.ok(c.interval.lower <= c.interval.delta && c.interval.delta <= c.interval.upper);
    assert.match(c.evidence, /^accuracy 0\.9450 vs fp32 0\.9500: drop 0\.50 points, bound 0\.50; 95% CI of delta \[-?0\.\d{4}, -?0\.\d{4}\]; McNemar p=1\.00 \(exact\)$/);
  });

  it('a variant beyond the bound is not usable; the tags it records make the inference service refuse it', () => {
    // Wrong on 30 more records of class ham: accuracy 0.80, a 15-point drop.
    let extra = 0;
    const candidate = baseline.map((y, i) => (y === 0 && i % 20 !== 0 && extra++ < 30 ? flip(y) : y));
    const c = comparePaired({ labels, truth, baseline, candidate, metric: 'accuracy', maxDrop: 0.005, seed: 1, resamples: 300 }, 'fp32');
    assert.equal(c.withinTolerance, false);
    assert.equal(c.mcnemar.method, 'chi2');
    assert.ok(c.mcnemar.pValue < 1e-6);
    assert.ok(c.interval.upper < 0, 'the whole interval is a loss');
    const ham = c.perClass.find((d) => d.label === 'ham')!;
    assert.ok(ham.recall < 0 && Math.abs(ham.recall - -30 / 150) < 1e-12);
    const tags = variantUsabilityTags('int8', c.withinTolerance, c.evidence);
    const read = readVariantUsability(tags, 'int8');
    assert.equal(read.state, 'not_usable');
    assert.match(read.reason, /drop 15\.00 points, bound 0\.50/);
  });

  it('refuses a metric that labels alone cannot give, naming metric', () => {
    assert.throws(
      () => comparePaired({ labels, truth, baseline, candidate: baseline, metric: 'auc', maxDrop: 0.005, seed: 1 }),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'metric',
    );
  });
});
