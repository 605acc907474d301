/**
 * How a precision variant's usability is recorded on a registry version:
 * two version tags per variant, written by the evaluator (CompareVariants,
 * gates) and read by the inference service. Tags rather than a new proto
 * field because UpdateVersion already merges tags atomically and every
 * reader (REST, CLI, `l1g1 models`) shows them without a contract change.
 *
 *   variant/fp16/usable = "true" | "false"
 *   variant/fp16/check  = "accuracy 0.9312 vs fp32 0.9350: drop 0.38 points, bound 0.50"
 *
 * A variant without the `usable` tag has never been checked.
 */
import type { PrecisionName } from './precision';

/** Tag key holding "true" / "false" for a variant. */
export function variantUsableTag(precision: PrecisionName): string {
  return `variant/${precision}/usable`;
}

/** Tag key holding the human-readable evidence behind the decision. */
export function variantCheckTag(precision: PrecisionName): string {
  return `variant/${precision}/check`;
}

export type VariantUsabilityState = 'usable' | 'not_usable' | 'unchecked';

export interface VariantUsability {
  state: VariantUsabilityState;
  /** The recorded evidence (empty when unchecked or not recorded). */
  reason: string;
}

/** Reads a variant's recorded usability from a version's tags. fp32 is the reference and always usable. */
export function readVariantUsability(tags: Readonly<Record<string, string>>, precision: PrecisionName): VariantUsability {
  if (precision === 'fp32') return { state: 'usable', reason: 'fp32 is the reference' };
  const flag = tags[variantUsableTag(precision)];
  const reason = tags[variantCheckTag(precision)] ?? '';
  if (flag === 'true') return { state: 'usable', reason };
  if (flag === 'false') return { state: 'not_usable', reason };
  return { state: 'unchecked', reason: '' };
}

/** The tags that record a decision (merged into the version with UpdateVersion). */
export function variantUsabilityTags(precision: PrecisionName, usable: boolean, reason: string): Record<string, string> {
  // Registry tag values are bounded; the evidence line is kept short.
  return { [variantUsableTag(precision)]: usable ? 'true' : 'false', [variantCheckTag(precision)]: reason.slice(0, 240) };
}
