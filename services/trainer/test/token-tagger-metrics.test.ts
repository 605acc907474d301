import { strict as assert } from 'node:assert';
import { entityScores, tagChunks } from '../src/models';

describe('token tagger entity metrics (CoNLL exact span match)', () => {
  it('reads chunks as conlleval does: I- after O or another type opens a chunk', () => {
    assert.deepEqual(tagChunks(['B-PER', 'I-PER', 'O', 'I-LOC', 'I-LOC', 'B-LOC', 'I-PER']), [
      { type: 'PER', start: 0, end: 2 },
      { type: 'LOC', start: 3, end: 5 },
      { type: 'LOC', start: 5, end: 6 },
      { type: 'PER', start: 6, end: 7 },
    ]);
  });

  it("matches seqeval's README example (precision 0.5, recall 0.5, F1 0.5)", () => {
    const gold = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
    const predicted = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
    assert.deepEqual(entityScores(gold, predicted), { entity_precision: 0.5, entity_recall: 0.5, entity_f1: 0.5 });
  });

  it('counts a chunk with the right span but the wrong type as both a false positive and a miss', () => {
    const scores = entityScores([['B-PER', 'O', 'B-LOC']], [['B-ORG', 'O', 'B-LOC']]);
    assert.deepEqual(scores, { entity_precision: 0.5, entity_recall: 0.5, entity_f1: 0.5 });
  });

  it('gives 0 (not NaN) when nothing is predicted', () => {
    assert.deepEqual(entityScores([['B-PER']], [['O']]), { entity_precision: 0, entity_recall: 0, entity_f1: 0 });
  });
});
