/**
 * A language model's figures from its next-token distributions: windows
 * over the evaluated token stream, the negative log-likelihood of each
 * actual next token, and the flat metrics a run stores (perplexity, nll,
 * tokens, bits per token and per character, unknown rate, windows).
 */
import { perplexity } from '../../metrics';

/** A window over the token stream: inputs `ids[start, start + length)`, targets one further on. */
export interface LmWindow {
  start: number;
  length: number;
}

/**
 * Windows of `window` inputs stepping by `window` tokens, as the trainer cut
 * its held-out set: each window predicts the token after each input, so every
 * token but the first is a target exactly once. Unlike the trainer, the
 * shorter tail is kept (its own window), so no evaluated token is dropped.
 */
export function cutLmWindows(tokenCount: number, window: number): LmWindow[] {
  if (!Number.isSafeInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  const out: LmWindow[] = [];
  for (let start = 0; start + 1 < tokenCount; start += window) out.push({ start, length: Math.min(window, tokenCount - 1 - start) });
  return out;
}

/**
 * The probability floor before the log (float64 epsilon, as log loss
 * clips): a model's 0 for the actual token costs 36 nats, not Infinity.
 */
const EPS = 2.220446049250313e-16;

/** The negative log-likelihood (nats) of `target` under a next-token distribution. */
export function tokenNll(distribution: readonly number[], target: number): number {
  const p = distribution[target];
  if (p === undefined) throw new RangeError(`token id ${target} is outside the model's ${distribution.length} outputs`);
  return -Math.log(Math.max(p, EPS));
}

/** Every flat metric a language-modeling run stores (and nothing else does). */
export const LANGUAGE_MODEL_METRICS: ReadonlySet<string> = new Set(['perplexity', 'nll', 'tokens', 'bits_per_token', 'bits_per_char', 'unknown_rate', 'windows']);

export interface LmTotals {
  /** Σ NLL in nats over the predicted tokens. */
  totalNll: number;
  /** Predicted tokens. */
  tokens: number;
  /** Predicted tokens whose id is 0 (`<unk>`). */
  unknownTokens: number;
  /** Characters (code points) of the evaluated text after its first token. */
  characters: number;
  windows: number;
}

/**
 * perplexity = e^(Σ NLL / tokens); nll = Σ NLL / tokens (nats);
 * bits_per_token = nll / ln 2; bits_per_char = Σ NLL / ln 2 / characters
 * (at char level equal to bits_per_token; at word level the whitespace
 * between words counts as text the model accounted for); unknown_rate =
 * share of predicted tokens that were `<unk>` (a high one flatters the
 * perplexity). Empty when nothing was predicted.
 */
export function languageModelMetrics(t: LmTotals): Record<string, number> {
  const ppl = perplexity(t.totalNll, t.tokens);
  if (ppl === undefined) return {};
  const nll = t.totalNll / t.tokens;
  return {
    perplexity: ppl,
    nll,
    tokens: t.tokens,
    bits_per_token: nll / Math.LN2,
    ...(t.characters > 0 ? { bits_per_char: t.totalNll / Math.LN2 / t.characters } : {}),
    unknown_rate: t.unknownTokens / t.tokens,
    windows: t.windows,
  };
}
