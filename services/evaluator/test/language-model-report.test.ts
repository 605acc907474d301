/**
 * The language-model figures on hand-checked inputs: windows over a token
 * stream, each next token's negative log-likelihood, and the metrics a run
 * stores. Worked by hand in the comments, so a wrong window step, a missed
 * tail, an off-by-one target or a log in the wrong base fails.
 */
import { strict as assert } from 'node:assert';
import { cutLmWindows, languageModelMetrics, tokenNll } from '../src/domain/evaluations/language-model-report';

const close = (actual: number | undefined, expected: number, what: string) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

describe('language-model report (hand-checked)', () => {
  it('windows step by the window length, predict every token but the first once, and keep the shorter tail', () => {
    // 8 tokens t0..t7, window 3: inputs t0-t2 → targets t1-t3; t3-t5 → t4-t6; tail t6 → t7.
    assert.deepEqual(cutLmWindows(8, 3), [
      { start: 0, length: 3 },
      { start: 3, length: 3 },
      { start: 6, length: 1 },
    ]);
    // 7 tokens, window 3: exactly two windows (targets t1..t6), no tail.
    assert.deepEqual(cutLmWindows(7, 3), [
      { start: 0, length: 3 },
      { start: 3, length: 3 },
    ]);
    assert.deepEqual(cutLmWindows(1, 3), [], 'one token: nothing to predict');
    const targets = cutLmWindows(50, 7).reduce((n, w) => n + w.length, 0);
    assert.equal(targets, 49, 'every token but the first is a target once');
    assert.throws(() => cutLmWindows(8, 0), RangeError);
  });

  it('perplexity of targets given probabilities 1/2, 1/4, 1/8 is 4: nll 2·ln 2, 2 bits per token', () => {
    // Three predictions; the actual next tokens are ids 1, 2 and 0 of a 3-token vocabulary.
    const nlls = [tokenNll([0.25, 0.5, 0.25], 1), tokenNll([0.5, 0.25, 0.25], 2), tokenNll([0.125, 0.5, 0.375], 0)];
    close(nlls[0], Math.log(2), 'nll of p = 1/2');
    close(nlls[2], 3 * Math.log(2), 'nll of p = 1/8');
    const total = nlls.reduce((a, b) => a + b, 0);
    // Σ nll = (1 + 2 + 3)·ln 2 = 6 ln 2; mean 2 ln 2; perplexity e^(2 ln 2) = 4; 2 bits per token.
    // The text had 9 characters after its first token: bits per char = 6 bits / 9 = 2/3. One of the targets was <unk> (id 0).
    const m = languageModelMetrics({ totalNll: total, tokens: 3, unknownTokens: 1, characters: 9, windows: 1 });
    close(m['perplexity'], 4, 'perplexity');
    close(m['nll'], 2 * Math.LN2, 'nll');
    close(m['bits_per_token'], 2, 'bits_per_token');
    close(m['bits_per_char'], 2 / 3, 'bits_per_char');
    close(m['unknown_rate'], 1 / 3, 'unknown_rate');
    assert.equal(m['tokens'], 3);
    assert.equal(m['windows'], 1);
  });

  it('a zero probability for the actual token costs a finite −ln(ε), not Infinity; a token id outside the output is an error', () => {
    close(tokenNll([1, 0], 1), -Math.log(2.220446049250313e-16), 'floored nll');
    assert.throws(() => tokenNll([0.5, 0.5], 2), RangeError);
  });

  it('nothing predicted: no metrics at all (not perplexity 1 or NaN)', () => {
    assert.deepEqual(languageModelMetrics({ totalNll: 0, tokens: 0, unknownTokens: 0, characters: 0, windows: 0 }), {});
  });
});
