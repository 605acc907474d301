/**
 * A token classification run's figures on a hand-checked fixture: adjacent
 * entities of one type (B-X B-X), a boundary error, a stray I- that opens an
 * entity (CoNLL), a type error; and the spans a stored prediction carries
 * when a label span starts or ends inside a token. Every expected value
 * below is worked out by hand in the comments (exact fractions, 1e-9).
 */
import { strict as assert } from 'node:assert';
import { iob2Tags, tokenize } from '@l1g1/features';
import { tagSpans } from '../src/domain/evaluations/tag-spans';
import { tokenReport } from '../src/domain/evaluations/token-report';

const close = (actual: number | undefined, expected: number, what: string) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} vs ${expected}`);

// doc 1: gold PER(0) PER(1) PER(3) LOC(5-6); predicted PER(0-1) PER(3) LOC(5-6): the adjacent pair is one wrong entity.
// doc 2: gold ORG(1-2); predicted I-ORG I-ORG I-ORG opens ORG(0-2): a boundary error.
// doc 3: gold LOC(0); predicted PER(0): a type error.
const GOLD = [['B-PER', 'B-PER', 'O', 'B-PER', 'O', 'B-LOC', 'I-LOC', 'O'], ['O', 'B-ORG', 'I-ORG', 'O'], ['B-LOC']];
const PRED = [['B-PER', 'I-PER', 'O', 'B-PER', 'O', 'B-LOC', 'I-LOC', 'O'], ['I-ORG', 'I-ORG', 'I-ORG', 'O'], ['B-PER']];

describe('token classification report (hand-checked, CoNLL rules)', () => {
  it('entity precision/recall/F1 count exact span + type matches: 2 right of 5 predicted and 6 gold', () => {
    const { token, metrics } = tokenReport(GOLD, PRED);
    close(token.entityPrecision, 2 / 5, 'entity precision');
    close(token.entityRecall, 2 / 6, 'entity recall');
    close(token.entityF1, 4 / 11, 'entity F1'); // 2·0.4·(1/3) / (0.4 + 1/3)
    close(metrics['entity_f1'], 4 / 11, 'flat entity_f1');
    // LOC: 1 of 1 predicted right, 1 of 2 gold found; ORG: 0 of 1; PER: 1 of 3 predicted, 1 of 3 gold.
    assert.deepEqual(
      token.perType.map((t) => [t.label, t.support]),
      [['LOC', 2], ['ORG', 1], ['PER', 3]],
    );
    const [loc, org, per] = token.perType;
    close(loc?.precision, 1, 'LOC precision');
    close(loc?.recall, 1 / 2, 'LOC recall');
    close(loc?.f1, 2 / 3, 'LOC F1');
    close(org?.f1, 0, 'ORG F1');
    close(per?.precision, 1 / 3, 'PER precision');
    close(per?.f1, 1 / 3, 'PER F1');
    close(metrics['entity_f1/LOC'], 2 / 3, 'flat LOC F1');
  });

  it('token scores leave O out of precision/recall/F1 and count every token in accuracy', () => {
    // 13 tokens, 9 equal; entity-tag tokens: 9 predicted, 8 gold, 5 equal (doc1 ×4, doc2 I-ORG ×1).
    const { token } = tokenReport(GOLD, PRED);
    close(token.tokenPrecision, 5 / 9, 'token precision');
    close(token.tokenRecall, 5 / 8, 'token recall');
    close(token.tokenF1, 10 / 17, 'token F1');
    close(token.tokenAccuracy, 9 / 13, 'token accuracy');
  });

  it('a tagger answering O everywhere scores 0 entity and token F1, not the share of O tokens', () => {
    const { token } = tokenReport(GOLD, GOLD.map((d) => d.map(() => 'O')));
    close(token.entityF1, 0, 'entity F1');
    close(token.tokenF1, 0, 'token F1');
    close(token.tokenAccuracy, 5 / 13, 'token accuracy');
  });

  it('stored spans: tokens taken whole when a label span starts or ends inside them; adjacent same-type spans stay two; offsets in code points', () => {
    const text = '😀 Anna Lee met Bob in New York.';
    // Code points: 😀 0, Anna 2-6, Lee 7-10, met 11-14, Bob 15-18, in 19-21, New 22-25, York 26-30, "." 30-31.
    const tokens = tokenize(text, 100);
    const gold = iob2Tags(tokens, [
      { start: 2, end: 6, label: 'PER' },
      { start: 7, end: 10, label: 'PER' },
      { start: 23, end: 28, label: 'LOC' }, // "ew Yo": inside New and York
    ]);
    assert.deepEqual(gold, ['O', 'B-PER', 'B-PER', 'O', 'O', 'O', 'B-LOC', 'I-LOC', 'O']);
    assert.deepEqual(tagSpans(gold, tokens), [
      { start: 2, end: 6, label: 'PER' },
      { start: 7, end: 10, label: 'PER' },
      { start: 22, end: 30, label: 'LOC' },
    ]);
    // A stray I- opens an entity (as scored), and an entity on the last token ends at the text's end.
    assert.deepEqual(tagSpans(['O', 'O', 'O', 'O', 'I-PER', 'O', 'O', 'O', 'B-MISC'], tokens), [
      { start: 15, end: 18, label: 'PER' },
      { start: 30, end: 31, label: 'MISC' },
    ]);
  });
});
