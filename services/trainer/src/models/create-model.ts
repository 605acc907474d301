import { errors } from '@l1g1/kit';
import type { trainer } from '@l1g1/contracts';
import { ADAMW_DEFAULTS } from '../optim/adamw';
import type { BuiltModel } from './built-model';
import type { SparseAdamW } from './sparse-adamw';
import { cnnConfig, createCnn } from './cnn';
import { createGruLm, gruLmConfig } from './gru-lm';
import { createTextClassifier, textClassifierConfig } from './text-classifier';
import { createTokenTagger, tokenTaggerConfig } from './token-tagger';

/** The proto's ArchitectureSpec oneof (ts-proto shape), or a plain object of the same shape. */
export type ArchitectureInput = Pick<trainer.ArchitectureSpec, 'architecture'>;

export interface CreateModelOptions {
  /** AdamW hyper-parameters for the parameters a model updates itself (sparse embeddings). */
  optimizer?: SparseAdamW;
}

/**
 * Builds the model an ArchitectureSpec names, with seeded initial weights.
 * @throws INVALID_ARGUMENT naming `architecture` (or the field inside it) for a spec that is
 *   missing, not implemented or out of range.
 */
export function createModel(spec: ArchitectureInput, classNames: readonly string[], seed: number, options: CreateModelOptions = {}): BuiltModel<unknown> {
  const arch = spec.architecture;
  const optimizer = options.optimizer ?? ADAMW_DEFAULTS;
  if (arch === undefined) throw errors.invalidArgument('architecture', 'choose an architecture (text_classifier, token_tagger, cnn, gru, mlp)');
  switch (arch.$case) {
    case 'textClassifier':
      return createTextClassifier(textClassifierConfig(arch.value), classNames, seed, optimizer) as unknown as BuiltModel<unknown>;
    case 'tokenTagger':
      // classNames: entity types (sorted, from `entityTypesOf`) or the full IOB2 tag list.
      return createTokenTagger(tokenTaggerConfig(arch.value), classNames, seed, optimizer) as unknown as BuiltModel<unknown>;
    case 'cnn':
      return createCnn(cnnConfig(arch.value), classNames, seed) as unknown as BuiltModel<unknown>;
    case 'gru':
      // A language model needs no class names: its classes are the vocabulary it builds.
      if (arch.value.languageModel !== undefined) return createGruLm(gruLmConfig(arch.value), seed) as unknown as BuiltModel<unknown>;
      throw errors.invalidArgument('architecture.gru.language_model', 'only the GRU language model is implemented: set language_model');
    default:
      throw errors.invalidArgument('architecture', `${arch.$case} is not implemented yet`);
  }
}
