/**
 * LoRA on the text classifier's dense head: its embedding bag stays frozen
 * (LoRA adapts matmuls, and the bag is a table lookup), so each text's bag
 * mean is computed once from the base's table and the adapters train on
 * those fixed features like on an MLP's. The merged export puts the same
 * bag back in front of the merged head, so it serves the base's `ngram_ids`.
 */
import type { EmbeddingBagLayerSpec, ExportModelSpec } from '../export/layer-spec';
import type { FeatureExample } from './lora';
import type { TextExample } from './text-classifier';

export interface FrozenBagSplit {
  /** The base's leading embedding bag (exported again in front of the adapted head). */
  bag: EmbeddingBagLayerSpec;
  /** The dense head alone: input `[dim]` features. */
  head: ExportModelSpec;
  /** A text's frozen features: the mean of its ids' rows, as the bag computes it (repeats count). */
  features(example: TextExample): FeatureExample;
  /** The exportable model: the bag, then `head`'s layers (merged or not). */
  withBag(head: ExportModelSpec): ExportModelSpec;
}

/** Splits a base chain that starts with an embedding bag; `undefined` for any other chain. */
export function splitFrozenBag(base: ExportModelSpec): FrozenBagSplit | undefined {
  const [first, ...rest] = base.layers;
  if (first?.kind !== 'embedding_bag') return undefined;
  const bag = first;
  const { dim, table } = bag;
  return {
    bag,
    head: { inputShape: [dim], layers: rest, ...(base.classNames ? { classNames: base.classNames } : {}) },
    features(example) {
      const out = new Float32Array(dim);
      const n = example.ids.length;
      // No id (an empty text): zeros, as the masked mean of an all-padding row.
      if (n === 0) return { features: out, label: example.label };
      for (const id of example.ids) for (let d = 0; d < dim; d++) out[d] = (out[d] as number) + (table[id * dim + d] as number);
      for (let d = 0; d < dim; d++) out[d] = (out[d] as number) / n;
      return { features: out, label: example.label };
    },
    withBag: (head) => ({ ...base, layers: [bag, ...head.layers] }),
  };
}
