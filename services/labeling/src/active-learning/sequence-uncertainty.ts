/**
 * Uncertainty of a token tagger's answer for one record, from each real
 * token's tag distribution, in the same three keys the queue orders by
 * (Settles & Craven, "An Analysis of Active Learning Strategies for
 * Sequence Labeling Tasks", 2008):
 * - least confidence: 1 − min over tokens of the top tag's probability (the
 *   least sure token decides: one doubtful token is a record worth a look);
 * - margin: min over tokens of p(1st) − p(2nd) (smaller is more uncertain);
 * - entropy: "token entropy", the mean over tokens of −Σ p ln p (nats), so a
 *   long record is not ranked first for its length alone.
 * A record without tokens has nothing to doubt: 0, 1, 0.
 */
import { uncertaintyOf, type Uncertainty } from './uncertainty';

export function sequenceUncertaintyOf(tokenProbabilities: readonly (readonly number[])[]): Uncertainty {
  if (tokenProbabilities.length === 0) return { leastConfidence: 0, margin: 1, entropy: 0 };
  let leastConfidence = 0;
  let margin = Infinity;
  let entropy = 0;
  for (const p of tokenProbabilities) {
    const u = uncertaintyOf(p);
    leastConfidence = Math.max(leastConfidence, u.leastConfidence);
    margin = Math.min(margin, u.margin);
    entropy += u.entropy;
  }
  return { leastConfidence, margin, entropy: entropy / tokenProbabilities.length };
}
