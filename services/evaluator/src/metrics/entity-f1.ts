import { iob2Chunks } from '@l1g1/features';
import { f1Of, safeDivide, type ClassScores } from './precision-recall-f1';

/** An entity: its type and where it lies (token indices, inclusive end; or character offsets, exclusive end). */
export interface EntitySpan {
  type: string;
  start: number;
  end: number;
}

export interface EntityScores {
  precision: number;
  recall: number;
  f1: number;
  /** Per entity type, sorted by type; support = true entities of the type. */
  perType: (ClassScores & { type: string })[];
}

/**
 * Entities of one IOB2 tag sequence under the CoNLL rules (one copy, in
 * @l1g1/features, shared with labeling's span pre-labels). Spans use token
 * indices with an inclusive end.
 */
export function iob2Entities(tags: readonly string[]): EntitySpan[] {
  return iob2Chunks(tags);
}

/**
 * Micro-averaged entity precision, recall and F1 over documents, counting a
 * predicted entity right only on an exact match of type, start and end;
 * per-type scores alongside (zero_division=0). Documents pair up by index.
 */
export function entityScores(trueDocs: readonly (readonly EntitySpan[])[], predDocs: readonly (readonly EntitySpan[])[]): EntityScores {
  if (trueDocs.length !== predDocs.length) throw new RangeError(`paired inputs differ in length: ${trueDocs.length} vs ${predDocs.length}`);
  const counts = new Map<string, { tp: number; predicted: number; actual: number }>();
  const of = (type: string): { tp: number; predicted: number; actual: number } => {
    let c = counts.get(type);
    if (!c) counts.set(type, (c = { tp: 0, predicted: 0, actual: 0 }));
    return c;
  };
  const key = (e: EntitySpan): string => `${e.type}\u0000${e.start}\u0000${e.end}`;
  trueDocs.forEach((truth, d) => {
    const gold = new Set(truth.map(key));
    for (const e of truth) of(e.type).actual++;
    // A span predicted twice counts once: entities are a set per document.
    const seen = new Set<string>();
    for (const e of predDocs[d] as EntitySpan[]) {
      const k = key(e);
      if (seen.has(k)) continue;
      seen.add(k);
      const c = of(e.type);
      c.predicted++;
      if (gold.has(k)) c.tp++;
    }
  });
  let tp = 0;
  let predicted = 0;
  let actual = 0;
  const perType = [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([type, c]) => {
      tp += c.tp;
      predicted += c.predicted;
      actual += c.actual;
      const precision = safeDivide(c.tp, c.predicted);
      const recall = safeDivide(c.tp, c.actual);
      return { type, precision, recall, f1: f1Of(precision, recall), support: c.actual };
    });
  const precision = safeDivide(tp, predicted);
  const recall = safeDivide(tp, actual);
  return { precision, recall, f1: f1Of(precision, recall), perType };
}

/** Entity scores from IOB2 tag sequences (one per sentence), as seqeval's default mode. */
export function iob2EntityScores(trueTags: readonly (readonly string[])[], predTags: readonly (readonly string[])[]): EntityScores {
  return entityScores(trueTags.map(iob2Entities), predTags.map(iob2Entities));
}
