import { errors, L1g1Error } from '@l1g1/kit';
import type { trainer } from '@l1g1/contracts';
import { ADAMW_DEFAULTS } from '../optim/adamw';
import type { BuiltModel } from './built-model';
import { createMlp, mlpConfig } from './mlp';
import type { SparseAdamW } from './sparse-adamw';
import { cnnConfig, createCnn } from './cnn';
import { createGruLm, gruLmConfig } from './gru-lm';
import { createTextClassifier, TEXT_CLASSIFIER_TRAINING, textClassifierConfig } from './text-classifier';
import { createTokenTagger, tokenTaggerConfig } from './token-tagger';

/** The proto's ArchitectureSpec oneof (ts-proto shape), or a plain object of the same shape. */
export type ArchitectureInput = Pick<trainer.ArchitectureSpec, 'architecture'>;

/** The oneof's case names (`mlp`, `textClassifier`, `tokenTagger`, `cnn`, `gru`). */
export type ArchitectureCase = NonNullable<trainer.ArchitectureSpec['architecture']>['$case'];

/** The spec message of one case (`trainer.MlpSpec` for `mlp`, ...). */
export type ArchitectureValue<K extends ArchitectureCase> = Extract<NonNullable<trainer.ArchitectureSpec['architecture']>, { $case: K }>['value'];

export interface CreateModelOptions {
  /** AdamW hyper-parameters for the parameters a model updates itself (sparse embeddings). */
  optimizer?: SparseAdamW;
}

/**
 * An architecture's own training recipe: what a TrainConfig's unset fields take for it instead
 * of the general defaults (AdamW lr 5e-5, 1,000 warmup steps: the source's, tuned for
 * fine-tuning transformers, which leave a freshly initialised text classifier at chance). The
 * service resolves them into the job's spec, so GetJob shows the values that ran.
 */
export interface TrainingDefaults {
  /** For `epochs` 0 (proto3's unset); absent: epochs stay required. */
  epochs?: number;
  learningRate?: number;
  weightDecay?: number;
  warmupSteps?: number;
  minLearningRate?: number;
}

/**
 * What an architecture reads from a record's `metadata[label_field]`: a class name (classifiers:
 * the class list is the sorted distinct labels), entity spans as JSON (the token tagger: the
 * class list is the entity types, `entityTypesOf`), or nothing (a language model: its classes are
 * the vocabulary it builds, and a snapshot without labels trains).
 */
export type LabelKind = 'class' | 'spans' | 'none';

/** How the library validates and builds one architecture. */
export interface ArchitectureBuilder<K extends ArchitectureCase> {
  /** What the label field holds for this architecture; absent: `class`. */
  labels?: LabelKind;
  /** Unset TrainConfig fields take these for this architecture (absent: the general defaults). */
  trainingDefaults?: Readonly<TrainingDefaults>;
  /**
   * Validates the spec's fields without building anything (cheap: the service calls it on
   * CreateTrainingJob, before a job exists).
   * @throws INVALID_ARGUMENT naming `architecture.<snake_name>.<field>`.
   */
  check(value: ArchitectureValue<K>): void;
  /** Builds the model with seeded initial weights (in the training worker, or an export). */
  create(value: ArchitectureValue<K>, classNames: readonly string[], seed: number, options: Required<CreateModelOptions>): BuiltModel<unknown>;
}

/**
 * THE extension point of the model library: one entry per architecture the trainer builds.
 * Adding an entry here is all it takes for the service to accept, train, export and register
 * that architecture (resolve-spec checks specs through `check`, the worker builds through
 * `create`, ExportOnnx rebuilds through `create`). A case absent here is refused with
 * INVALID_ARGUMENT naming `spec.architecture`.
 */
export const MODEL_ARCHITECTURES: { readonly [K in ArchitectureCase]?: ArchitectureBuilder<K> } = {
  mlp: {
    check: (v) => void mlpConfig(v),
    // Cast: BuiltModel is invariant in its example type; the runner only passes a model's own examples back to it.
    create: (v, classNames, seed) => createMlp(mlpConfig(v), classNames, seed) as unknown as BuiltModel<unknown>,
  },
  textClassifier: {
    // Tuned with its network defaults: macro-F1 0.9957 on SpamAssassin in about 4 CPU-s.
    trainingDefaults: TEXT_CLASSIFIER_TRAINING,
    check: (v) => void textClassifierConfig(v),
    create: (v, classNames, seed, o) => createTextClassifier(textClassifierConfig(v), classNames, seed, o.optimizer) as unknown as BuiltModel<unknown>,
  },
  tokenTagger: {
    labels: 'spans',
    check: (v) => void tokenTaggerConfig(v),
    // classNames: entity types (sorted, from `entityTypesOf`) or the full IOB2 tag list.
    create: (v, classNames, seed, o) => createTokenTagger(tokenTaggerConfig(v), classNames, seed, o.optimizer) as unknown as BuiltModel<unknown>,
  },
  cnn: {
    check: (v) => void cnnConfig(v),
    create: (v, classNames, seed) => createCnn(cnnConfig(v), classNames, seed) as unknown as BuiltModel<unknown>,
  },
  gru: {
    labels: 'none',
    check: (v) => void gruOnlyLanguageModel(v),
    // A language model needs no class names: its classes are the vocabulary it builds.
    create: (v, _classNames, seed) => createGruLm(gruOnlyLanguageModel(v), seed) as unknown as BuiltModel<unknown>,
  },
};

/** The GRU spec as a language model's config; a GRU sequence classifier is not built. */
function gruOnlyLanguageModel(v: trainer.GruSpec): ReturnType<typeof gruLmConfig> {
  if (v.languageModel === undefined) throw errors.invalidArgument('architecture.gru.language_model', 'only the GRU language model is implemented: set language_model');
  return gruLmConfig(v);
}

/** The architectures `createModel` builds, in the registry's order. */
export function implementedArchitectures(): ArchitectureCase[] {
  return Object.keys(MODEL_ARCHITECTURES) as ArchitectureCase[];
}

function builderOf(spec: ArchitectureInput): { arch: NonNullable<ArchitectureInput['architecture']>; builder: ArchitectureBuilder<ArchitectureCase> } {
  const arch = spec.architecture;
  if (arch === undefined) throw errors.invalidArgument('architecture', `choose an architecture (${implementedArchitectures().join(', ')})`);
  // Cast: the entry for `arch.$case` takes exactly `arch.value`; TS cannot correlate the two through the index.
  const builder = MODEL_ARCHITECTURES[arch.$case] as ArchitectureBuilder<ArchitectureCase> | undefined;
  if (builder === undefined) throw errors.invalidArgument('architecture', `${arch.$case} is not implemented yet (implemented: ${implementedArchitectures().join(', ')})`);
  return { arch, builder };
}

/** What the spec's architecture reads from the label field (`class` when it names none). */
export function labelKindOf(spec: ArchitectureInput | undefined): LabelKind {
  const arch = spec?.architecture;
  return (arch && MODEL_ARCHITECTURES[arch.$case]?.labels) ?? 'class';
}

/** The training recipe of the spec's architecture (empty when it has none, or the spec names none). */
export function trainingDefaultsOf(spec: ArchitectureInput | undefined): Readonly<TrainingDefaults> {
  const arch = spec?.architecture;
  if (arch === undefined) return {};
  return MODEL_ARCHITECTURES[arch.$case]?.trainingDefaults ?? {};
}

/**
 * Validates an ArchitectureSpec through its builder's `check`, building nothing.
 * @throws INVALID_ARGUMENT naming `architecture` (unknown or unimplemented) or the field inside it.
 */
export function checkModelArchitecture(spec: ArchitectureInput): void {
  const { arch, builder } = builderOf(spec);
  builder.check(arch.value as ArchitectureValue<ArchitectureCase>);
}

/**
 * Builds the model an ArchitectureSpec names, with seeded initial weights.
 * @throws INVALID_ARGUMENT naming `architecture` (or the field inside it) for a spec that is
 *   missing, not implemented or out of range.
 */
export function createModel(spec: ArchitectureInput, classNames: readonly string[], seed: number, options: CreateModelOptions = {}): BuiltModel<unknown> {
  const { arch, builder } = builderOf(spec);
  return builder.create(arch.value as ArchitectureValue<ArchitectureCase>, classNames, seed, { optimizer: options.optimizer ?? ADAMW_DEFAULTS });
}

/**
 * The same error with its field under `prefix` (`architecture.mlp.input_dim` →
 * `spec.architecture.mlp.input_dim`): the library names fields relative to the spec it is
 * handed, the service relative to its request.
 */
export function withFieldPrefix(err: unknown, prefix: string): unknown {
  if (!(err instanceof L1g1Error) || err.field === '') return err;
  return new L1g1Error(err.kind, err.message, { field: `${prefix}${err.field}`, reason: err.reason, metadata: err.metadata, retryAfterMs: err.retryAfterMs, cause: err });
}
