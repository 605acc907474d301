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

function split(tag: string): { prefix: string; type: string } {
  const dash = tag.indexOf('-');
  return dash < 0 ? { prefix: tag, type: '' } : { prefix: tag.slice(0, dash), type: tag.slice(dash + 1) };
}

/**
 * The chunks of an IOB2 tag sequence, read as `conlleval` does: a chunk starts at `B-X`, and
 * also at an `I-X` that does not continue a chunk of type X (after `O` or another type); it
 * continues over `I-X` and ends before anything else.
 */
export function tagChunks(tags: readonly string[]): TagChunk[] {
  const chunks: TagChunk[] = [];
  let open: TagChunk | undefined;
  tags.forEach((tag, i) => {
    const { prefix, type } = split(tag);
    if (prefix === 'I' && open !== undefined && open.type === type) {
      open.end = i + 1;
      return;
    }
    if (open !== undefined) chunks.push(open);
    open = prefix === 'B' || prefix === 'I' ? { type, start: i, end: i + 1 } : undefined;
  });
  if (open !== undefined) chunks.push(open);
  return chunks;
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
