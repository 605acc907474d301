import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrapDelta, pairedAccuracy } from '../src/stats/bootstrap';
import { chiSquareSurvival } from '../src/stats/chi-square-tail';
import { exactBinomialTwoSided } from '../src/stats/exact-binomial';
import { mcnemar, mcnemarFromCounts, MCNEMAR_EXACT_BELOW } from '../src/stats/mcnemar';
import { metricDeltas, perClassDeltas } from '../src/stats/per-class-deltas';
import { percentile } from '../src/stats/percentile';

interface Reference {
  mcnemar: { b: number; c: number; method: 'exact' | 'chi2'; statistic: number; p_value: number }[];
  chi2_sf: { x: number; df: number; sf: number }[];
  binom_two_sided: { k: number; n: number; p_value: number }[];
  percentile: { values: number[]; q: number; value: number }[];
}

/** numpy/scipy values, generated once by fixtures/stats-reference.py and committed. */
const ref = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'stats-reference.json'), 'utf8')) as Reference;

/** Within 1e-9, relative for values above 1 in magnitude and for tiny p-values alike. */
function close(actual: number, expected: number, what: string): void {
  const tol = 1e-9 * Math.max(Math.abs(expected), Number.MIN_VALUE) + 1e-15;
  assert.ok(Math.abs(actual - expected) <= Math.max(tol, expected < 1e-6 ? 1e-9 * expected : 1e-9 * Math.max(1, Math.abs(expected))), `${what}: ${actual} vs ${expected}`);
}

describe('evaluator stats: significance and intervals against numpy/scipy references', () => {
  it('chi-square upper tail matches scipy.stats.chi2.sf to 1e-9 (df 1..10)', () => {
    for (const r of ref.chi2_sf) close(chiSquareSurvival(r.x, r.df), r.sf, `chi2.sf(${r.x}, ${r.df})`);
    // Closed form: 3.8414588... is the 95% point of chi2(1).
    close(chiSquareSurvival(3.841458820694124, 1), 0.05, 'the 5% critical value');
  });

  it('exact two-sided binomial (p = 0.5) matches scipy.stats.binomtest, and a hand count', () => {
    for (const r of ref.binom_two_sided) close(exactBinomialTwoSided(r.k, r.n), r.p_value, `binomtest(${r.k}, ${r.n})`);
    // 3 of 12: 2 * (1 + 12 + 66 + 220) / 4096.
    assert.equal(exactBinomialTwoSided(3, 12), (2 * (1 + 12 + 66 + 220)) / 4096);
  });

  it(`McNemar: exact binomial below ${MCNEMAR_EXACT_BELOW} discordant pairs, continuity-corrected chi-square from there, as the references`, () => {
    for (const r of ref.mcnemar) {
      const got = mcnemarFromCounts(r.b, r.c);
      assert.equal(got.method, r.method, `b=${r.b} c=${r.c}`);
      close(got.statistic, r.statistic, `statistic b=${r.b} c=${r.c}`);
      close(got.pValue, r.p_value, `p b=${r.b} c=${r.c}`);
    }
    assert.equal(mcnemarFromCounts(12, 12).method, 'exact');
    assert.equal(mcnemarFromCounts(12, 13).method, 'chi2');
  });

  it('McNemar on paired predictions counts only the records exactly one side gets right', () => {
    const truth = ['a', 'a', 'b', 'b', 'c', 'c', 'a', 'b'];
    const base = ['a', 'b', 'b', 'a', 'c', 'a', 'a', 'c'];
    const cand = ['a', 'a', 'a', 'b', 'c', 'c', 'b', 'a'];
    // Record 0, 4: both right. 1, 3, 5: candidate only. 2, 6: baseline only. 7: both wrong (different labels).
    const r = mcnemar(truth, base, cand);
    assert.deepEqual([r.baselineOnly, r.candidateOnly, r.method], [2, 3, 'exact']);
    assert.equal(r.pValue, 1);
    assert.throws(() => mcnemar(truth, base, cand.slice(1)), /equal lengths/);
  });

  it('percentile interpolates linearly between ranks as numpy does', () => {
    for (const r of ref.percentile) close(percentile(r.values, r.q), r.value, `percentile(${JSON.stringify(r.values)}, ${r.q})`);
    assert.throws(() => percentile([], 0.5), /no values/);
  });

  it('bootstrap: identical predictions give a zero-width interval at 0; the interval holds the point delta; a seed repeats it', () => {
    const truth = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 'spam' : 'ham'));
    const same = truth.map((t, i) => (i % 10 === 0 ? 'x' : t));
    const zero = bootstrapDelta(pairedAccuracy(truth, same, same), { records: truth.length, resamples: 200, seed: 1 });
    assert.deepEqual([zero.delta, zero.lower, zero.upper], [0, 0, 0]);

    // Candidate fixes 16 of the baseline's 20 mistakes: delta = +0.08 exactly.
    const better = truth.map((t, i) => (i % 50 === 0 ? 'x' : t));
    const a = bootstrapDelta(pairedAccuracy(truth, same, better), { records: truth.length, resamples: 500, seed: 42 });
    close(a.delta, 16 / 200, 'point delta');
    assert.ok(a.lower <= a.delta && a.delta <= a.upper, JSON.stringify(a));
    // Every resample has delta >= 0 (the candidate is never wrong where the baseline is right).
    assert.ok(a.lower >= 0, JSON.stringify(a));
    assert.ok(a.upper > a.lower);
    assert.deepEqual(bootstrapDelta(pairedAccuracy(truth, same, better), { records: truth.length, resamples: 500, seed: 42 }), a);
    assert.notDeepEqual(bootstrapDelta(pairedAccuracy(truth, same, better), { records: truth.length, resamples: 500, seed: 43 }), a);
  });

  it('bootstrap is bounded: resamples beyond the limit and impossible confidences are refused', () => {
    const m = pairedAccuracy(['a'], ['a'], ['a']);
    assert.throws(() => bootstrapDelta(m, { records: 1, resamples: 10_001, seed: 1 }), /resamples/);
    assert.throws(() => bootstrapDelta(m, { records: 1, resamples: 0, seed: 1 }), /resamples/);
    assert.throws(() => bootstrapDelta(m, { records: 1, confidence: 1, seed: 1 }), /confidence/);
    assert.throws(() => bootstrapDelta(m, { records: 100_000, resamples: 10_000, seed: 1 }), /resamples x records/);
  });

  it('per-class deltas cover both sides’ classes (a missing class counts as 0) and flat deltas only shared keys', () => {
    const d = perClassDeltas(
      [
        { label: 'ham', precision: 0.9, recall: 0.8, f1: 0.85, support: 10 },
        { label: 'spam', precision: 0.5, recall: 0.5, f1: 0.5, support: 4 },
      ],
      [
        { label: 'spam', precision: 0.75, recall: 0.25, f1: 0.375, support: 4 },
        { label: 'ham', precision: 0.9, recall: 0.9, f1: 0.9, support: 10 },
        { label: 'new', precision: 1, recall: 1, f1: 1, support: 1 },
      ],
    );
    assert.deepEqual(d.map((c) => c.label), ['ham', 'spam', 'new']);
    close(d[0]!.recall, 0.1, 'ham recall');
    close(d[1]!.f1, -0.125, 'spam f1');
    assert.equal(d[2]!.f1, 1);
    assert.deepEqual(metricDeltas({ accuracy: 0.5, ece: 0.1 }, { accuracy: 0.75, auc: 0.9 }), { accuracy: 0.25 });
  });
});
