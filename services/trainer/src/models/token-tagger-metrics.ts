import { iob2Chunks } from '@l1g1/features';

/** An entity chunk in token positions: `[start, end)` tokens of type `type`. */
export interface TagChunk {
  type: string;
  start: number;
  end: number;
}

/** Entity-level scores, exact span match (CoNLL-2000 `conlleval`, seqeval's default mode). */
export interface EntityScores {
  entity_precision: number;
  entity_recall: number;
  entity_f1: number;
}

/**
 * The chunks of an IOB2 tag sequence, read as `conlleval` does (B-X opens a chunk, and so does an
 * I-X that does not continue a chunk of type X), with an exclusive end. The chunker itself is the
 * one the evaluator and labeling use (@l1g1/features `iob2Chunks`, inclusive end).
 */
export function tagChunks(tags: readonly string[]): TagChunk[] {
  return iob2Chunks(tags).map((c) => ({ type: c.type, start: c.start, end: c.end + 1 }));
}

/**
 * Precision, recall and F1 over all entities of all sequences: a predicted chunk counts when a
 * gold chunk has the same type, start and end; micro-averaged over types; 0 where undefined.
 */
export function entityScores(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): EntityScores {
  if (gold.length !== predicted.length) throw new RangeError('gold and predicted differ in length');
  let correct = 0;
  let goldCount = 0;
  let predictedCount = 0;
  gold.forEach((g, i) => {
    const key = (c: TagChunk) => `${c.type}\u0000${c.start}\u0000${c.end}`;
    const goldKeys = new Set(tagChunks(g).map(key));
    const found = tagChunks(predicted[i] as readonly string[]);
    goldCount += goldKeys.size;
    predictedCount += found.length;
    for (const c of found) if (goldKeys.has(key(c))) correct += 1;
  });
  const precision = predictedCount === 0 ? 0 : correct / predictedCount;
  const recall = goldCount === 0 ? 0 : correct / goldCount;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { entity_precision: precision, entity_recall: recall, entity_f1: f1 };
}
