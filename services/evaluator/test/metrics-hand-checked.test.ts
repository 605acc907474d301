/**
 * Tiny metric cases worked out by hand (the arithmetic is in the comments),
 * including the edges the reference file does not reach: ties, a single
 * class, empty input, entity spans from character offsets.
 */
import { strict as assert } from 'node:assert';
import {
  binaryAveragePrecision,
  binaryRocAuc,
  calibration,
  entityScores,
  iob2Entities,
  iob2EntityScores,
  logLoss,
  perplexity,
  precisionRecallF1,
  accuracy,
} from '../src/metrics';

const near = (a: number | undefined, b: number): void => assert.ok(a !== undefined && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe('metric library, hand-checked cases', () => {
  it('precision / recall / F1: y=[0,0,1,1,2] pred=[0,1,1,1,0]', () => {
    // class 0: tp1 fp1 fn1 → p .5 r .5; class 1: tp2 fp1 fn0 → p 2/3 r 1 f .8; class 2: tp0 → 0.
    const r = precisionRecallF1([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], 3);
    near(r.perClass[0]?.f1, 0.5);
    near(r.perClass[1]?.precision, 2 / 3);
    near(r.perClass[1]?.f1, 0.8);
    near(r.perClass[2]?.f1, 0);
    near(r.macro.f1, (0.5 + 0.8 + 0) / 3);
    near(r.micro.f1, 3 / 5);
    near(r.weighted.f1, (2 * 0.5 + 2 * 0.8 + 1 * 0) / 5);
    near(accuracy([0, 0, 1, 1, 2], [0, 1, 1, 1, 0]), 0.6);
  });

  it('ROC-AUC counts a tied positive/negative pair as half', () => {
    // scores: pos .9, neg .5, pos .5, neg .1 → pairs (4): .9>.5 ✓, .9>.1 ✓, .5=.5 ½, .5>.1 ✓ → 3.5/4.
    near(binaryRocAuc([true, false, true, false], [0.9, 0.5, 0.5, 0.1]), 0.875);
    assert.equal(binaryRocAuc([true, true], [0.2, 0.3]), undefined, 'undefined with one class only');
  });

  it('average precision steps once per distinct score', () => {
    // thresholds .9 (1 pos: P 1, R .5), .5 (tie of pos+neg: P 2/3, R 1) → .5·1 + .5·2/3.
    near(binaryAveragePrecision([true, false, true, false], [0.9, 0.5, 0.5, 0.1]), 0.5 + 1 / 3);
  });

  it('ECE with 2 bins: |acc − conf| weighted by bin share', () => {
    // bin (0,.5]: one record conf .4 wrong → |0 − .4|; bin (.5,1]: conf .8, .9, both right → |1 − .85|.
    const c = calibration([0, 1, 1], [[0.3, 0.4, 0.3], [0.2, 0.8, 0], [0.1, 0.9, 0]], 2);
    near(c.ece, (1 / 3) * 0.4 + (2 / 3) * 0.15);
    assert.deepEqual(c.bins.map((b) => b.count), [1, 2]);
  });

  it('log loss of certain-and-right is ~0, of p=.5 is ln 2', () => {
    near(logLoss([0, 1], [[0.5, 0.5], [0.5, 0.5]]), Math.log(2));
    assert.ok(logLoss([0], [[1, 0]]) < 1e-12);
    assert.ok(Number.isFinite(logLoss([1], [[1, 0]])), 'a zero probability is clipped, not infinite');
  });

  it('perplexity: uniform over 4 tokens → 4', () => {
    near(perplexity(3 * Math.log(4), 3), 4);
    assert.equal(perplexity(0, 0), undefined);
  });

  it('IOB2 entities follow the CoNLL rules', () => {
    assert.deepEqual(iob2Entities(['B-PER', 'I-PER', 'O', 'I-LOC', 'I-LOC', 'B-LOC', 'I-ORG']), [
      { type: 'PER', start: 0, end: 1 },
      { type: 'LOC', start: 3, end: 4 }, // a stray I- opens an entity
      { type: 'LOC', start: 5, end: 5 }, // B- closes the previous one even of the same type
      { type: 'ORG', start: 6, end: 6 }, // a type change opens a new one
    ]);
    assert.throws(() => iob2Entities(['X-PER']), /not an IOB2 tag/);
  });

  it('entity F1 requires an exact span and type', () => {
    // truth: PER[0,1], LOC[3,3]; predicted: PER[0,0] (boundary wrong), LOC[3,3] ✓ → P ½ R ½.
    const s = iob2EntityScores([['B-PER', 'I-PER', 'O', 'B-LOC']], [['B-PER', 'O', 'O', 'B-LOC']]);
    near(s.precision, 0.5);
    near(s.recall, 0.5);
    near(s.f1, 0.5);
  });

  it('entity F1 from character spans', () => {
    // doc 1: "Ada Lovelace visited London" truth PER[0,12) LOC[21,27); predicted PER[0,12) ✓, ORG[21,27) ✗.
    const s = entityScores(
      [[{ type: 'PER', start: 0, end: 12 }, { type: 'LOC', start: 21, end: 27 }], []],
      [[{ type: 'PER', start: 0, end: 12 }, { type: 'ORG', start: 21, end: 27 }], [{ type: 'PER', start: 0, end: 3 }]],
    );
    near(s.precision, 1 / 3);
    near(s.recall, 1 / 2);
    near(s.f1, 0.4);
    assert.deepEqual(s.perType.map((t) => [t.type, t.support]), [['LOC', 1], ['ORG', 0], ['PER', 1]]);
  });
});
