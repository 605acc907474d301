/**
 * Box agreement on hand-checked fixtures: IoU values worked out on paper
 * (coordinates chosen as binary fractions so the values are exact), greedy
 * one-to-one matching, box F1 and mean IoU between two annotators, the
 * clustering of several annotators' boxes, and the box consensus.
 */
import { strict as assert } from 'node:assert';
import { boxF1, boxIou, matchBoxes, type LabeledBox } from '../src/agreement';
import { boxVote } from '../src/domain/box-consensus';
import { clusterBoxes } from '../src/domain/box-clusters';

const box = (label: string, x: number, y: number, width: number, height: number): LabeledBox => ({ label, x, y, width, height });

describe('labeling: box agreement (IoU, box F1, clusters, consensus)', () => {
  describe('boxIou', () => {
    it('is 1 for the same box, 1/3 for a half-width shift, 1/7 for a diagonal overlap, 1/2 for a box holding half of another', () => {
      const a = box('car', 0, 0, 0.5, 0.5);
      assert.equal(boxIou(a, a), 1);
      // Intersection 0.25 × 0.5 = 0.125; union 0.25 + 0.25 − 0.125 = 0.375.
      assert.equal(boxIou(a, box('car', 0.25, 0, 0.5, 0.5)), 1 / 3);
      // Intersection 0.25²; union 2 · 0.5² − 0.25² → 0.0625 / 0.4375 = 1/7.
      assert.equal(boxIou(a, box('car', 0.25, 0.25, 0.5, 0.5)), 1 / 7);
      assert.equal(boxIou(a, box('car', 0, 0, 0.5, 0.25)), 0.5);
    });

    it('is 0 for boxes that do not overlap and for boxes that only touch at an edge or a corner', () => {
      const a = box('car', 0, 0, 0.25, 0.25);
      assert.equal(boxIou(a, box('car', 0.5, 0.5, 0.25, 0.25)), 0);
      assert.equal(boxIou(a, box('car', 0.25, 0, 0.25, 0.25)), 0, 'shared vertical edge');
      assert.equal(boxIou(a, box('car', 0, 0.25, 0.25, 0.25)), 0, 'shared horizontal edge');
      assert.equal(boxIou(a, box('car', 0.25, 0.25, 0.25, 0.25)), 0, 'shared corner');
    });

    it('is symmetric', () => {
      const a = box('x', 0.1, 0.2, 0.3, 0.4);
      const b = box('x', 0.2, 0.1, 0.5, 0.3);
      assert.equal(boxIou(a, b), boxIou(b, a));
    });
  });

  describe('matchBoxes', () => {
    it('matches at exactly the threshold, not below it, and never across classes when asked', () => {
      const a = [box('car', 0, 0, 0.5, 0.5)];
      assert.equal(matchBoxes(a, [box('car', 0, 0, 0.5, 0.25)], { iouThreshold: 0.5, sameLabel: true }).length, 1, 'IoU 0.5 at threshold 0.5');
      assert.equal(matchBoxes(a, [box('car', 0.25, 0, 0.5, 0.5)], { iouThreshold: 0.5, sameLabel: true }).length, 0, 'IoU 1/3');
      assert.equal(matchBoxes(a, [box('car', 0.25, 0, 0.5, 0.5)], { iouThreshold: 0.3, sameLabel: true }).length, 1, 'IoU 1/3 at threshold 0.3');
      assert.equal(matchBoxes(a, [box('bus', 0, 0, 0.5, 0.5)], { iouThreshold: 0.5, sameLabel: true }).length, 0, 'same place, other class');
      assert.equal(matchBoxes(a, [box('bus', 0, 0, 0.5, 0.5)], { iouThreshold: 0.5, sameLabel: false }).length, 1, 'class-agnostic');
    });

    it('is one-to-one and takes the best IoU first (greedy)', () => {
      // b0 overlaps a0 with IoU 1/2 and a1 with IoU 1: a1 takes it; a0 gets b1 (IoU 1).
      const a = [box('car', 0, 0, 0.5, 0.25), box('car', 0, 0, 0.5, 0.5)];
      const b = [box('car', 0, 0, 0.5, 0.5), box('car', 0, 0, 0.5, 0.25)];
      assert.deepEqual(
        matchBoxes(a, b, { iouThreshold: 0.5, sameLabel: true }).map((m) => [m.a, m.b, m.iou]),
        [
          [0, 1, 1],
          [1, 0, 1],
        ],
      );
      // Two boxes of A on one box of B: only one is matched.
      assert.equal(matchBoxes([box('car', 0, 0, 0.5, 0.5), box('car', 0, 0, 0.5, 0.5)], [box('car', 0, 0, 0.5, 0.5)], { iouThreshold: 0.5, sameLabel: true }).length, 1);
    });
  });

  describe('boxF1', () => {
    it('gives hand-computed F1, precision, recall and mean IoU over two images', () => {
      // Image 1: A has car (exact match in B), person (B's is shifted, IoU 1/3: unmatched at 0.5), dog (B says cat: unmatched).
      // Image 2: A has car; B has the car at IoU 1/2 and an extra bus that only touches it.
      const a = [[box('car', 0, 0, 0.5, 0.5), box('person', 0.5, 0.5, 0.5, 0.5), box('dog', 0, 0.5, 0.25, 0.25)], [box('car', 0, 0, 0.5, 0.5)]];
      const b = [[box('car', 0, 0, 0.5, 0.5), box('person', 0.25, 0.5, 0.5, 0.5), box('cat', 0, 0.5, 0.25, 0.25)], [box('car', 0, 0, 0.5, 0.25), box('bus', 0.5, 0, 0.25, 0.25)]];
      const f = boxF1(a, b, 0.5);
      // 2 matched of 4 (A) and 5 (B): F1 = 4 / 9, P = 2/5, R = 2/4, mean IoU = (1 + 0.5) / 2.
      assert.equal(f.matched, 2);
      assert.equal(f.f1, 4 / 9);
      assert.equal(f.precision, 2 / 5);
      assert.equal(f.recall, 2 / 4);
      assert.equal(f.meanIou, 0.75);
      // A looser threshold matches the shifted person too: 3 matched, mean IoU (1 + 1/3 + 1/2) / 3.
      const loose = boxF1(a, b, 0.3);
      assert.equal(loose.matched, 3);
      assert.equal(loose.f1, 6 / 9);
      assert.ok(Math.abs(loose.meanIou - (1 + 1 / 3 + 0.5) / 3) < 1e-15);
    });

    it('is 1 when both drew nothing, 0 when only one did, and symmetric in F1', () => {
      assert.equal(boxF1([[]], [[]], 0.5).f1, 1);
      const one = boxF1([[box('car', 0, 0, 0.5, 0.5)]], [[]], 0.5);
      assert.deepEqual([one.f1, one.recall, one.precision], [0, 0, 0]);
      const a = [[box('car', 0, 0, 0.5, 0.5), box('bus', 0.5, 0.5, 0.25, 0.25)]];
      const b = [[box('car', 0, 0, 0.5, 0.25)]];
      assert.equal(boxF1(a, b, 0.5).f1, boxF1(b, a, 0.5).f1);
      assert.throws(() => boxF1([[]], [], 0.5), RangeError);
    });
  });

  describe('clusterBoxes and the box consensus', () => {
    it('clusters three annotators: a box two agree on, one only the third drew', () => {
      const by = new Map([
        ['ann', [box('car', 0, 0, 0.5, 0.5)]],
        ['bob', [box('car', 0, 0, 0.5, 0.25)]],
        ['cy', [box('car', 0, 0, 0.5, 0.5), box('bus', 0.5, 0.5, 0.5, 0.5)]],
      ]);
      const clusters = clusterBoxes(by, { iouThreshold: 0.5, sameLabel: true });
      assert.deepEqual(
        clusters.map((c) => [...c.members.keys()]),
        [['ann', 'bob', 'cy'], ['cy']],
      );
      // Mean of (0,0,.5,.5), (0,0,.5,.25), (0,0,.5,.5).
      assert.deepEqual(clusters[0]?.mean, box('car', 0, 0, 0.5, 1.25 / 3));
    });

    it('keeps objects at least ⌈n/2⌉ annotators drew, at their mean; the rest means disagreement', () => {
      const by = new Map([
        ['ann', [box('car', 0, 0, 0.5, 0.5)]],
        ['bob', [box('car', 0, 0, 0.5, 0.25)]],
        ['cy', [box('car', 0, 0, 0.5, 0.5), box('bus', 0.5, 0.5, 0.5, 0.5)]],
      ]);
      const v = boxVote(by, undefined, 0.5);
      assert.deepEqual(v.boxes, [box('car', 0, 0, 0.5, 1.25 / 3)], 'the bus has 1 of 3 votes (quorum 2)');
      assert.equal(v.agreeing, 2, 'ann and bob drew exactly the consensus objects');
      assert.equal(v.distinct, 2);
    });

    it('does not count boxes of different classes at the same place as one object', () => {
      const v = boxVote(
        new Map([
          ['ann', [box('car', 0, 0, 0.5, 0.5)]],
          ['bob', [box('bus', 0, 0, 0.5, 0.5)]],
        ]),
        undefined,
        0.5,
      );
      assert.equal(v.distinct, 2);
      assert.equal(v.agreeing, 0);
    });

    it('treats two annotators whose boxes match within the threshold as agreeing, and a gold answer as the consensus', () => {
      const by = new Map([
        ['ann', [box('car', 0, 0, 0.5, 0.5)]],
        ['bob', [box('car', 0, 0, 0.5, 0.25)]],
      ]);
      const v = boxVote(by, undefined, 0.5);
      assert.deepEqual([v.agreeing, v.distinct], [2, 1]);
      assert.deepEqual(v.boxes, [box('car', 0, 0, 0.5, 0.375)]);
      const strict = boxVote(by, undefined, 0.75);
      assert.equal(strict.distinct, 2, 'IoU 0.5 is below a 0.75 threshold');
      const gold = [box('car', 0, 0, 0.5, 0.5)];
      const g = boxVote(by, gold, 0.75);
      assert.deepEqual(g.boxes, gold);
      assert.equal(g.agreeing, 1, 'only ann matches the gold box at 0.75');
    });
  });
});
