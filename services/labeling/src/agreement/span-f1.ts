/**
 * Span-level F1 between two annotators (CoNLL's entity F1 applied to a pair):
 * a span counts as matched when both gave the same start, end and label.
 * F1 is symmetric, so which annotator plays "gold" does not matter.
 */

export interface LabeledSpan {
  start: number;
  end: number;
  label: string;
}

export interface SpanF1Result {
  f1: number;
  precision: number;
  recall: number;
  /** Spans both gave. */
  matched: number;
  spansA: number;
  spansB: number;
}

const key = (s: LabeledSpan): string => `${s.start}:${s.end}:${s.label}`;

/** Micro F1 over units: `a[unit]` and `b[unit]` are the two annotators' spans of one record. */
export function spanF1(a: readonly (readonly LabeledSpan[])[], b: readonly (readonly LabeledSpan[])[]): SpanF1Result {
  if (a.length !== b.length) throw new RangeError(`spanF1: ${a.length} units against ${b.length}`);
  let matched = 0;
  let na = 0;
  let nb = 0;
  for (let u = 0; u < a.length; u++) {
    const sa = a[u] ?? [];
    const sb = b[u] ?? [];
    na += sa.length;
    nb += sb.length;
    // Multiset match: a span given twice by both counts twice.
    const left = new Map<string, number>();
    for (const s of sa) left.set(key(s), (left.get(key(s)) ?? 0) + 1);
    for (const s of sb) {
      const c = left.get(key(s)) ?? 0;
      if (c > 0) {
        matched++;
        left.set(key(s), c - 1);
      }
    }
  }
  // Two empty annotations agree perfectly.
  if (na === 0 && nb === 0) return { f1: 1, precision: 1, recall: 1, matched: 0, spansA: 0, spansB: 0 };
  const precision = nb === 0 ? 0 : matched / nb;
  const recall = na === 0 ? 0 : matched / na;
  const f1 = na + nb === 0 ? 0 : (2 * matched) / (na + nb);
  return { f1, precision, recall, matched, spansA: na, spansB: nb };
}
