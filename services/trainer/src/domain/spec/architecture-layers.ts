/**
 * The layer names each architecture builds, and which of them are dense:
 * LoRA adapts dense layers only, so a target naming anything else (a conv
 * layer, a GRU, an embedding) is refused before a job starts. The names are
 * the ones the model builders give their layers (`hidden_<i>`, `logits` ...).
 */
import type { trainer } from '@l1g1/contracts';

export interface ArchitectureLayer {
  name: string;
  dense: boolean;
}

/** The layers of `arch`, in order. */
export function architectureLayers(arch: trainer.ArchitectureSpec): ArchitectureLayer[] {
  const a = arch.architecture;
  const dense = (n: number, prefix = 'hidden'): ArchitectureLayer[] => Array.from({ length: n }, (_, i) => ({ name: `${prefix}_${i}`, dense: true }));
  const logits = { name: 'logits', dense: true };
  switch (a?.$case) {
    case 'mlp':
      return [...dense(a.value.hiddenUnits.length), logits];
    case 'cnn':
      return [...a.value.convLayers.map((_, i) => ({ name: `conv_${i}`, dense: false })), ...dense(a.value.denseUnits.length), logits];
    case 'gru':
      return [...Array.from({ length: Math.max(1, a.value.numLayers) }, (_, i) => ({ name: `gru_${i}`, dense: false })), logits];
    case 'textClassifier':
      return [{ name: 'embedding', dense: false }, ...dense(a.value.hiddenUnits.length), logits];
    case 'tokenTagger':
      return [{ name: 'embedding', dense: false }, ...Array.from({ length: Math.max(1, a.value.numLayers) }, (_, i) => ({ name: `gru_${i}`, dense: false })), logits];
    default:
      return [];
  }
}
