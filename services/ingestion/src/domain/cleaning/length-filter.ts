import { errors } from '@l1g1/kit';
import type { CleaningStep } from './cleaning-step';
import { createTextStep } from './text-step';

export interface LengthFilterOptions {
  /** Fewest characters (Unicode code points) a text may have; default 1 (drops empty texts). */
  minChars?: number;
  /** Most characters; default unlimited. */
  maxChars?: number;
}

/** Code points, not UTF-16 units: a CJK or emoji text is measured as a reader counts it. */
export function countChars(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** The `length_filter` step: drops texts shorter than `minChars` (`too_short`) or longer than `maxChars` (`too_long`). */
export function createLengthFilterStep(options: LengthFilterOptions = {}): CleaningStep {
  const minChars = options.minChars ?? 1;
  const maxChars = options.maxChars ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(minChars) || minChars < 0) {
    throw errors.invalidArgument('min_chars', 'must be an integer >= 0');
  }
  if (maxChars !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxChars) || maxChars < minChars)) {
    throw errors.invalidArgument('max_chars', `must be an integer >= min_chars (${minChars})`);
  }
  return createTextStep('length_filter', (text) => {
    const chars = countChars(text);
    if (chars < minChars) return { kind: 'drop', reason: 'too_short', detail: `${chars} chars < ${minChars}` };
    if (chars > maxChars) return { kind: 'drop', reason: 'too_long', detail: `${chars} chars > ${maxChars}` };
    return { kind: 'keep', text };
  });
}
