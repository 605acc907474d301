/**
 * Perplexity of a language model: exp of the mean per-token negative
 * log-likelihood (natural log), i.e. exp(Σ NLL / tokens). Undefined for no
 * tokens. Summed NLLs are passed with their token counts so sequences of
 * any length weigh by their tokens, not per sequence.
 */
export function perplexity(totalNll: number, tokenCount: number): number | undefined {
  if (tokenCount <= 0) return undefined;
  return Math.exp(totalNll / tokenCount);
}

/** Perplexity from each token's NLL. */
export function perplexityOfTokens(tokenNlls: readonly number[]): number | undefined {
  let sum = 0;
  for (const x of tokenNlls) sum += x;
  return perplexity(sum, tokenNlls.length);
}
