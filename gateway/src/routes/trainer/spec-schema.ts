/**
 * The `/v1` shape of a TrainingSpec, written once as a table: the parser
 * (spec-codec.ts), the printer of the resolved spec and the OpenAPI schemas
 * (openapi-trainer.ts) all read it, so the three cannot drift apart. The
 * field names are the proto's (snake_case); ranges are what the proto field
 * can hold and what makes sense at all (a batch of 0, a dropout of 1.5), so
 * that a client's mistake is a 400 naming the field here, and the service
 * only decides what needs the data (labels in the snapshot, layer names).
 */
import { common, trainer } from '@l1g1/contracts';
import { INT32_MAX, INT64_SAFE_MAX } from '../common';

/** A ts-proto enum object: names to numbers and numbers to names. */
export type ProtoEnum = Record<string, string | number>;

export type FieldKind =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'double'; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { kind: 'bool' }
  | { kind: 'string'; maxLength: number }
  | { kind: 'enum'; values: ProtoEnum; prefix: string }
  | { kind: 'message'; message: MessageSchema }
  | { kind: 'list'; of: FieldKind; maxItems: number }
  | { kind: 'map'; of: 'string' | 'double'; maxEntries: number };

export interface FieldSchema {
  type: FieldKind;
  /** proto3 `optional`: absent stays absent (the service fills the default in). */
  optional?: boolean;
  /** Members of one proto `oneof` (its camelCase name); at most one may be given. */
  oneof?: string;
  description?: string;
}

export interface MessageSchema {
  /** The OpenAPI component name. */
  name: string;
  fields: Readonly<Record<string, FieldSchema>>;
}

const int32 = (min = 0, max = INT32_MAX): FieldKind => ({ kind: 'int', min, max });
const int64 = (min = 0): FieldKind => ({ kind: 'int', min, max: INT64_SAFE_MAX });
/** A fraction in [0, 1) (dropout, held-out share). */
const fraction: FieldKind = { kind: 'double', min: 0, max: 1, exclusiveMax: true };
const positive: FieldKind = { kind: 'double', min: 0, exclusiveMin: true };
const nonNegative: FieldKind = { kind: 'double', min: 0 };
const bool: FieldKind = { kind: 'bool' };
const name = (maxLength = 256): FieldKind => ({ kind: 'string', maxLength });
const names = (maxItems = 1024): FieldKind => ({ kind: 'list', of: name(), maxItems });
const units: FieldKind = { kind: 'list', of: int32(1, 1_000_000), maxItems: 64 };
const en = (values: ProtoEnum, prefix: string): FieldKind => ({ kind: 'enum', values, prefix });
const msg = (message: MessageSchema): FieldKind => ({ kind: 'message', message });
const activation = en(trainer.Activation, 'ACTIVATION_');

export const DATASET_REF: MessageSchema = {
  name: 'TrainingDatasetRef',
  fields: {
    name: { type: name(128), description: 'Dataset name' },
    snapshot: { type: int32(), description: 'Snapshot number; 0 or absent: the latest, pinned at creation' },
  },
};

export const MODEL_REF: MessageSchema = {
  name: 'TrainingModelRef',
  fields: {
    name: { type: name(128), description: 'Registered model name' },
    version: { type: int32(1), oneof: 'selector' },
    alias: { type: name(64), oneof: 'selector' },
  },
};

const OPTIMIZER: MessageSchema = {
  name: 'OptimizerConfig',
  fields: {
    kind: { type: en(trainer.OptimizerKind, 'OPTIMIZER_KIND_'), description: 'Default adamw' },
    learning_rate: { type: positive, optional: true, description: 'Peak rate after warmup; default 5e-5' },
    beta1: { type: { kind: 'double', min: 0, max: 1, exclusiveMax: true }, optional: true, description: 'Default 0.9' },
    beta2: { type: { kind: 'double', min: 0, max: 1, exclusiveMax: true }, optional: true, description: 'Default 0.98' },
    weight_decay: { type: nonNegative, optional: true, description: 'Default 0.01 (decoupled)' },
    epsilon: { type: positive, optional: true, description: 'Default 1e-8' },
    momentum: { type: { kind: 'double', min: 0, max: 1, exclusiveMax: true }, optional: true, description: 'SGD only; default 0' },
  },
};

const SCHEDULE: MessageSchema = {
  name: 'LrSchedule',
  fields: {
    kind: { type: en(trainer.ScheduleKind, 'SCHEDULE_KIND_'), description: 'Default cosine' },
    warmup_steps: { type: int32(), optional: true, description: 'Default 1000, capped at 10% of the steps of a short run' },
    min_learning_rate: { type: nonNegative, optional: true, description: 'Default 0' },
  },
};

const EARLY_STOPPING: MessageSchema = {
  name: 'EarlyStopping',
  fields: {
    metric: { type: name(64), description: 'Default val_loss; also val_accuracy, val_macro_f1' },
    mode: { type: en(trainer.EarlyStoppingMode, 'EARLY_STOPPING_MODE_') },
    patience: { type: int32(), description: 'Default 3' },
    min_delta: { type: nonNegative },
  },
};

const TRAIN_CONFIG: MessageSchema = {
  name: 'TrainConfig',
  fields: {
    epochs: { type: int32(1, 1_000_000), description: "Required, >= 1, except for an architecture with its own recipe (text_classifier: absent takes 2; its unset lr, weight decay, warmup and min lr take that recipe too)" },
    // Explicit 0 is refused (the proto's 0 means "default 32"): a client who writes 0 made a mistake.
    batch_size: { type: int32(1, 1_000_000), description: 'Default 32' },
    optimizer: { type: msg(OPTIMIZER) },
    schedule: { type: msg(SCHEDULE) },
    seed: { type: int64(), optional: true, description: 'Default 42' },
    max_grad_norm: { type: nonNegative, optional: true, description: 'Global norm clip; 0: none; default 1.0' },
    checkpoint_every_steps: { type: int32(1), optional: true, description: 'Default 1000 (and at every epoch end)' },
    eval_every_steps: { type: int32(), description: '0: once per epoch' },
    early_stopping: { type: msg(EARLY_STOPPING) },
    max_steps: { type: int64(), description: '0: no limit' },
  },
};

const MLP: MessageSchema = {
  name: 'MlpSpec',
  fields: { input_dim: { type: int32(1) }, hidden_units: { type: units }, activation: { type: activation }, dropout: { type: fraction } },
};

const CONV_LAYER: MessageSchema = {
  name: 'ConvLayer',
  fields: { filters: { type: int32(1, 65_536) }, kernel_size: { type: int32(0, 1024) }, stride: { type: int32(0, 1024) }, pool_size: { type: int32(0, 1024) } },
};

const CNN: MessageSchema = {
  name: 'CnnSpec',
  fields: {
    input_height: { type: int32(1, 65_536) },
    input_width: { type: int32(1, 65_536) },
    input_channels: { type: int32(1, 4) },
    conv_layers: { type: { kind: 'list', of: msg(CONV_LAYER), maxItems: 64 } },
    dense_units: { type: units },
    activation: { type: activation },
    dropout: { type: fraction },
  },
};

const GRU_LANGUAGE_MODEL: MessageSchema = {
  name: 'GruLanguageModel',
  fields: {
    level: { type: en(trainer.TokenLevel, 'TOKEN_LEVEL_'), description: 'Default char' },
    max_vocab: { type: int32(0, 100_000), description: 'Including <unk>; default 128 (char) / 10000 (word)' },
    embedding_dim: { type: int32(0, 4096), description: 'Default 32' },
  },
};

const GRU: MessageSchema = {
  name: 'GruSpec',
  fields: {
    input_dim: { type: int32(1) },
    hidden_size: { type: int32(1, 65_536) },
    num_layers: { type: int32(0, 64) },
    bidirectional: { type: bool },
    max_steps: { type: int32() },
    dropout: { type: fraction },
    language_model: { type: msg(GRU_LANGUAGE_MODEL), description: 'Set: a next-token language model over the records\' text' },
  },
};

const TEXT_CLASSIFIER: MessageSchema = {
  name: 'TextClassifierSpec',
  fields: {
    features: { type: en(trainer.TextFeatures, 'TEXT_FEATURES_'), description: 'Default hashed_ngrams' },
    vocab_size: { type: int32(), description: 'Hash buckets or vocabulary; default 2^16 / 30000' },
    word_ngram_max: { type: int32(0, 16) },
    char_ngram_min: { type: int32(0, 64) },
    char_ngram_max: { type: int32(0, 64) },
    lowercase: { type: bool, optional: true },
    max_tokens: { type: int32(), description: 'Words read per record; default 300' },
    embedding_dim: { type: int32(0, 65_536), description: 'Width of the embedding bag; default 16' },
    encoder_hidden_size: { type: int32(0, 65_536) },
    hidden_units: { type: units, description: 'Hidden ReLU layers; empty: the default [64]' },
    dropout: { type: fraction },
    multi_label: { type: bool },
  },
};

const TOKEN_TAGGER: MessageSchema = {
  name: 'TokenTaggerSpec',
  fields: {
    vocab_size: { type: int32() },
    embedding_dim: { type: int32(0, 65_536) },
    char_embedding_dim: { type: int32(0, 65_536) },
    hidden_size: { type: int32(0, 65_536) },
    num_layers: { type: int32(0, 64) },
    max_tokens: { type: int32() },
    tag_scheme: { type: en(trainer.TagScheme, 'TAG_SCHEME_'), description: 'Default iob2' },
    dropout: { type: fraction },
  },
};

const ARCHITECTURE: MessageSchema = {
  name: 'ArchitectureSpec',
  fields: {
    mlp: { type: msg(MLP), oneof: 'architecture' },
    cnn: { type: msg(CNN), oneof: 'architecture' },
    gru: { type: msg(GRU), oneof: 'architecture' },
    text_classifier: { type: msg(TEXT_CLASSIFIER), oneof: 'architecture' },
    token_tagger: { type: msg(TOKEN_TAGGER), oneof: 'architecture' },
    class_names: { type: names(), description: 'Empty: the sorted distinct labels of the training split' },
  },
};

const DATA: MessageSchema = {
  name: 'DataSpec',
  fields: {
    dataset: { type: msg(DATASET_REF) },
    label_field: { type: name(), description: 'Default "label"' },
    train_split: { type: name(), description: 'Default "train"' },
    validation_split: { type: name(), description: 'Default "validation"' },
    validation_fraction: { type: fraction, optional: true, description: 'Held out when the snapshot has no validation split; default 0.1' },
    fail_on_missing_label: { type: bool },
  },
};

const LORA: MessageSchema = {
  name: 'LoraOptions',
  fields: {
    rank: { type: int32(0, 4096), description: 'Default 8' },
    alpha: { type: positive, optional: true, description: 'Default 16' },
    dropout: { type: fraction },
    target_layers: { type: names(256), description: 'Dense layer names or prefixes; empty: every dense layer' },
    merge_on_export: { type: bool, optional: true, description: 'Default true' },
  },
};

const DP_SGD: MessageSchema = {
  name: 'DpSgdOptions',
  fields: {
    noise_multiplier: { type: nonNegative },
    max_grad_norm: { type: positive, optional: true },
    target_epsilon: { type: nonNegative },
    delta: { type: { kind: 'double', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }, optional: true },
  },
};

const FEDERATED: MessageSchema = {
  name: 'FederatedOptions',
  fields: {
    num_clients: { type: int32(0, 100_000) },
    rounds: { type: int32(1, 1_000_000), description: 'Required, >= 1' },
    local_epochs: { type: int32(0, 1_000_000) },
    client_fraction: { type: { kind: 'double', min: 0, max: 1, exclusiveMin: true }, optional: true },
    partition_by: { type: name() },
  },
};

const REGISTER_AS: MessageSchema = {
  name: 'RegisterAs',
  fields: {
    model_name: { type: name(128) },
    description: { type: name(4096) },
    tags: { type: { kind: 'map', of: 'string', maxEntries: 256 } },
    variants: { type: { kind: 'list', of: en(common.Precision, 'PRECISION_'), maxItems: 3 }, description: 'Extra precisions (fp16, int8); fp32 is always there' },
    alias: { type: name(64) },
  },
};

export const TRAINING_SPEC: MessageSchema = {
  name: 'TrainingSpec',
  fields: {
    architecture: { type: msg(ARCHITECTURE) },
    data: { type: msg(DATA) },
    config: { type: msg(TRAIN_CONFIG) },
    base_model: { type: msg(MODEL_REF), description: 'Fine-tune from this registered model' },
    lora: { type: msg(LORA), description: 'Requires base_model' },
    dp_sgd: { type: msg(DP_SGD) },
    federated: { type: msg(FEDERATED) },
    register_as: { type: msg(REGISTER_AS), description: 'Absent: only checkpoints are kept' },
  },
};

/** Every message of the table, the spec's own included (for the OpenAPI components). */
export function messagesOf(root: MessageSchema): MessageSchema[] {
  const seen = new Map<string, MessageSchema>();
  const visit = (m: MessageSchema): void => {
    if (seen.has(m.name)) return;
    seen.set(m.name, m);
    for (const f of Object.values(m.fields)) {
      const t = f.type.kind === 'list' ? f.type.of : f.type;
      if (t.kind === 'message') visit(t.message);
    }
  };
  visit(root);
  return [...seen.values()];
}
