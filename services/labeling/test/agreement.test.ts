/**
 * The agreement metrics against published worked examples and values
 * computed independently (fixtures/agreement-reference.py: scikit-learn's
 * cohen_kappa_score and plain Python; the values are committed here).
 */
import { strict as assert } from 'node:assert';
import { cohenKappa, countTable, fleissKappa, krippendorffAlphaNominal, spanF1 } from '../src/agreement';
import { bioTags, spansFromBio, tokenize } from '../src/domain/tokenize';

const close = (actual: number, expected: number, tol = 1e-12): void => assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not ${expected}`);

describe('labeling: agreement metrics', () => {
  describe("Cohen's kappa", () => {
    it('gives 0.4 on the textbook 50-applicant example (p_o 0.7, p_e 0.5)', () => {
      const a = [...Array(25).fill('yes'), ...Array(25).fill('no')] as string[];
      const b = [...Array(20).fill('yes'), ...Array(5).fill('no'), ...Array(10).fill('yes'), ...Array(15).fill('no')] as string[];
      const k = cohenKappa(a, b);
      close(k.observed, 0.7);
      close(k.expected, 0.5);
      close(k.kappa, 0.4);
    });
    it("matches scikit-learn's cohen_kappa_score on a seeded 30-item, 3-class fixture (0.8918918918918919)", () => {
      const a = 'dog cat dog bird cat cat bird cat dog bird cat bird cat cat cat dog dog cat cat cat bird dog cat bird cat cat bird bird bird cat'.split(' ');
      const b = 'dog cat cat bird cat cat bird cat dog bird cat bird cat cat bird dog dog cat cat cat bird dog cat bird cat cat bird bird bird cat'.split(' ');
      close(cohenKappa(a, b).kappa, 0.8918918918918919);
    });
    it('is 1 for perfect agreement and refuses label lists of different lengths', () => {
      close(cohenKappa(['a', 'b', 'a'], ['a', 'b', 'a']).kappa, 1);
      assert.throws(() => cohenKappa(['a'], ['a', 'b']), RangeError);
    });
  });

  describe("Fleiss' kappa", () => {
    const table = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    it("gives 0.210 on Fleiss' worked example (10 subjects, 14 raters, 5 categories; P̄ 0.378, P̄e 0.213)", () => {
      const f = fleissKappa(table);
      close(f.observed, 0.378021978021978);
      close(f.expected, 0.21275510204081632);
      close(f.kappa, 0.20993070442195522);
      assert.equal(f.kappa.toFixed(3), '0.210');
    });
    it('builds the same table from the raw ratings', () => {
      const cats = ['1', '2', '3', '4', '5'];
      const ratings = table.map((row) => row.flatMap((c, j) => Array<string>(c).fill(cats[j] as string)));
      assert.deepEqual(countTable(ratings, cats), table);
    });
  });

  describe("Krippendorff's alpha (nominal, missing values)", () => {
    it("gives 0.743 on Krippendorff's 12-unit, 4-coder reliability data", () => {
      const A = [1, 2, 3, 3, 2, 1, 4, 1, 2, undefined, undefined, undefined];
      const B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, undefined, 3];
      const C = [undefined, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, undefined];
      const D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, undefined];
      const data = A.map((_, u) => [A[u], B[u], C[u], D[u]].map((v) => (v === undefined ? undefined : String(v))));
      const a = krippendorffAlphaNominal(data);
      close(a.pairableValues, 40, 1e-9); // unit 12 (one value) is not pairable
      close(a.alpha, 0.743421052631579);
      assert.equal(a.alpha.toFixed(3), '0.743');
    });
    it('equals 1 for full agreement and drops units with a single value', () => {
      close(krippendorffAlphaNominal([['a', 'a'], ['b', 'b', undefined], ['c', undefined]]).alpha, 1);
    });
  });

  describe('span F1', () => {
    it('counts a span as matched only with the same start, end and label', () => {
      const a = [[{ start: 0, end: 3, label: 'PER' }, { start: 10, end: 15, label: 'LOC' }], [{ start: 2, end: 4, label: 'ORG' }]];
      const b = [[{ start: 0, end: 3, label: 'PER' }, { start: 10, end: 15, label: 'ORG' }], []];
      const f = spanF1(a, b);
      assert.deepEqual([f.matched, f.spansA, f.spansB], [1, 3, 2]);
      close(f.precision, 1 / 2);
      close(f.recall, 1 / 3);
      close(f.f1, 2 / 5);
    });
  });

  describe('BIO tags', () => {
    it('keeps adjacent spans of one label apart and splits tokens at span edges', () => {
      const text = 'New YorkCity and Paris-Nord';
      const spans = [
        { start: 0, end: 8, label: 'LOC' },
        { start: 8, end: 12, label: 'LOC' },
        { start: 17, end: 22, label: 'LOC' },
      ];
      const tokens = tokenize(text, spans.flatMap((s) => [s.start, s.end]));
      assert.deepEqual(
        tokens.map((t) => t.text),
        ['New', 'York', 'City', 'and', 'Paris', '-', 'Nord'],
      );
      const tags = bioTags(tokens, spans);
      assert.deepEqual(tags, ['B-LOC', 'I-LOC', 'B-LOC', 'O', 'B-LOC', 'O', 'O']);
      assert.deepEqual(spansFromBio(tokens, tags), spans);
    });
  });
});
