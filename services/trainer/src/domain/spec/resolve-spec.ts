/**
 * TrainingSpec validation and defaults, before any job exists: a bad config
 * is refused with INVALID_ARGUMENT naming the field (the REST spelling,
 * `spec.config.batch_size`), and a good one comes back with every default
 * written out, so what a job answers with is exactly what runs.
 *
 * Two phases: `checkTrainingSpec` is pure (no I/O), and `pinSnapshot` applies
 * what the ingestion service says about the snapshot (its number, whether
 * records carry the label) — the handler calls the first before paying for
 * the second.
 */
import { common, trainer } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { checkModelArchitecture, labelKindOf, trainingDefaultsOf, withFieldPrefix, type TrainingDefaults } from '../../models/create-model';
import { architectureLayers } from './architecture-layers';
import { EARLY_STOPPING_METRIC, LOWER_IS_BETTER, SPEC_DEFAULTS, SPEC_LIMITS } from './spec-defaults';

/** What the trainer can build now (the others are refused, naming `spec.architecture`). */
export interface SpecCapabilities {
  architectures: ReadonlySet<NonNullable<trainer.ArchitectureSpec['architecture']>['$case']>;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const ALIAS = /^[a-z][a-z0-9_-]{0,62}$/;

function bad(field: string, message: string): never {
  throw errors.invalidArgument(field, message, { reason: 'INVALID_TRAINING_SPEC' });
}

function intIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) bad(field, `must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

function numIn(field: string, value: number, min: number, max: number, maxOpen = false): number {
  const ok = Number.isFinite(value) && value >= min && (maxOpen ? value < max : value <= max);
  if (!ok) bad(field, `must be a number in [${min}, ${max}${maxOpen ? ')' : ']'}, got ${value}`);
  return value;
}

function positive(field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) bad(field, `must be a positive number, got ${value}`);
  return value;
}

function checkArchitecture(arch: trainer.ArchitectureSpec | undefined, caps: SpecCapabilities): trainer.ArchitectureSpec {
  const a = arch?.architecture;
  if (!arch || !a) return bad('spec.architecture', 'is required: one of mlp, cnn, gru, text_classifier, token_tagger');
  if (!caps.architectures.has(a.$case)) bad('spec.architecture', `${a.$case} is not supported by this trainer yet (supported: ${[...caps.architectures].join(', ')})`);
  const classNames = arch.classNames;
  if (classNames.length > SPEC_LIMITS.maxClassNames) bad('spec.architecture.class_names', `at most ${SPEC_LIMITS.maxClassNames}`);
  const seen = new Set<string>();
  classNames.forEach((c, i) => {
    if (c.length === 0 || c.length > SPEC_LIMITS.maxNameChars) bad(`spec.architecture.class_names[${i}]`, `must be 1-${SPEC_LIMITS.maxNameChars} characters`);
    if (seen.has(c)) bad(`spec.architecture.class_names[${i}]`, `"${c}" appears twice`);
    seen.add(c);
  });
  if (classNames.length === 1) bad('spec.architecture.class_names', 'needs at least 2 classes (or none: the labels found in the data)');
  // The model library validates its own fields (its registry's `check`): an architecture added
  // there is accepted here with no change. Its fields are named relative to the spec.
  try {
    checkModelArchitecture(arch);
  } catch (err: unknown) {
    throw withFieldPrefix(err, 'spec.');
  }
  return trainer.ArchitectureSpec.fromPartial(arch);
}

function checkOptimizer(o: trainer.OptimizerConfig | undefined, recipe: Readonly<TrainingDefaults>): trainer.OptimizerConfig {
  const f = 'spec.config.optimizer';
  const kind = o?.kind ?? trainer.OptimizerKind.OPTIMIZER_KIND_UNSPECIFIED;
  let resolved: trainer.OptimizerKind;
  switch (kind) {
    case trainer.OptimizerKind.OPTIMIZER_KIND_UNSPECIFIED:
    case trainer.OptimizerKind.OPTIMIZER_KIND_ADAMW:
      resolved = trainer.OptimizerKind.OPTIMIZER_KIND_ADAMW;
      break;
    case trainer.OptimizerKind.OPTIMIZER_KIND_ADAM:
    case trainer.OptimizerKind.OPTIMIZER_KIND_SGD:
      resolved = kind;
      break;
    default:
      return bad(`${f}.kind`, `unknown optimizer ${kind}; use adamw, adam or sgd`);
  }
  const sgd = resolved === trainer.OptimizerKind.OPTIMIZER_KIND_SGD;
  const lr = positive(`${f}.learning_rate`, o?.learningRate ?? recipe.learningRate ?? SPEC_DEFAULTS.learningRate);
  if (!sgd && o?.momentum !== undefined && o.momentum !== 0) bad(`${f}.momentum`, 'applies to sgd only');
  return {
    kind: resolved,
    learningRate: numIn(`${f}.learning_rate`, lr, 0, 10),
    beta1: numIn(`${f}.beta1`, o?.beta1 ?? SPEC_DEFAULTS.beta1, 0, 1, true),
    beta2: numIn(`${f}.beta2`, o?.beta2 ?? SPEC_DEFAULTS.beta2, 0, 1, true),
    // AdamW decays decoupled (default 0.01); Adam and SGD add an L2 term (default 0), as optimizerFromSpec builds them.
    weightDecay: numIn(`${f}.weight_decay`, o?.weightDecay ?? (resolved === trainer.OptimizerKind.OPTIMIZER_KIND_ADAMW ? (recipe.weightDecay ?? SPEC_DEFAULTS.weightDecay) : 0), 0, 1),
    epsilon: positive(`${f}.epsilon`, o?.epsilon ?? SPEC_DEFAULTS.epsilon),
    momentum: sgd ? numIn(`${f}.momentum`, o?.momentum ?? 0, 0, 1, true) : 0,
  };
}

function checkSchedule(s: trainer.LrSchedule | undefined, peakLr: number, recipe: Readonly<TrainingDefaults>): trainer.LrSchedule {
  const f = 'spec.config.schedule';
  const kind = s?.kind ?? trainer.ScheduleKind.SCHEDULE_KIND_UNSPECIFIED;
  const known = [trainer.ScheduleKind.SCHEDULE_KIND_COSINE, trainer.ScheduleKind.SCHEDULE_KIND_LINEAR, trainer.ScheduleKind.SCHEDULE_KIND_CONSTANT];
  if (kind !== trainer.ScheduleKind.SCHEDULE_KIND_UNSPECIFIED && !known.includes(kind)) bad(`${f}.kind`, `unknown schedule ${kind}; use cosine, linear or constant`);
  return {
    // optimizerFromSpec / scheduleFromSpec (src/optim) build what runs; cosine when unset.
    kind: kind === trainer.ScheduleKind.SCHEDULE_KIND_UNSPECIFIED ? trainer.ScheduleKind.SCHEDULE_KIND_COSINE : kind,
    warmupSteps: intIn(`${f}.warmup_steps`, s?.warmupSteps ?? recipe.warmupSteps ?? SPEC_DEFAULTS.warmupSteps, 0, 100_000_000),
    // A recipe's floor never exceeds a peak the user lowered below it.
    minLearningRate: numIn(`${f}.min_learning_rate`, s?.minLearningRate ?? Math.min(recipe.minLearningRate ?? SPEC_DEFAULTS.minLearningRate, peakLr), 0, peakLr),
  };
}

/**
 * `recipe`: the architecture's own training defaults (MODEL_ARCHITECTURES' `trainingDefaults`),
 * taken by the fields left unset before the general ones.
 */
function checkConfig(c: trainer.TrainConfig | undefined, recipe: Readonly<TrainingDefaults>): trainer.TrainConfig {
  const f = 'spec.config';
  if (!c) return bad(f, 'is required (epochs at least)');
  const optimizer = checkOptimizer(c.optimizer, recipe);
  let earlyStopping: trainer.EarlyStopping | undefined;
  if (c.earlyStopping) {
    const e = c.earlyStopping;
    const metric = e.metric || SPEC_DEFAULTS.earlyStoppingMetric;
    // Any validation metric a model reports (val_loss, val_macro_f1, val_entity_f1, val_perplexity ...);
    // one the model does not report fails the job at its first evaluation, naming this field.
    if (!EARLY_STOPPING_METRIC.test(metric)) bad(`${f}.early_stopping.metric`, 'must name a validation metric: val_ and a lowercase name (val_loss, val_accuracy, val_macro_f1 ...)');
    let mode = e.mode;
    if (mode === trainer.EarlyStoppingMode.EARLY_STOPPING_MODE_UNSPECIFIED) {
      mode = LOWER_IS_BETTER.test(metric) ? trainer.EarlyStoppingMode.EARLY_STOPPING_MODE_MIN : trainer.EarlyStoppingMode.EARLY_STOPPING_MODE_MAX;
    } else if (mode !== trainer.EarlyStoppingMode.EARLY_STOPPING_MODE_MIN && mode !== trainer.EarlyStoppingMode.EARLY_STOPPING_MODE_MAX) {
      bad(`${f}.early_stopping.mode`, `unknown mode ${mode}`);
    }
    earlyStopping = {
      metric,
      mode,
      patience: e.patience === 0 ? SPEC_DEFAULTS.earlyStoppingPatience : intIn(`${f}.early_stopping.patience`, e.patience, 1, 10_000),
      minDelta: numIn(`${f}.early_stopping.min_delta`, e.minDelta, 0, Number.MAX_VALUE),
    };
  }
  return {
    // proto3's 0 is "unset": the architecture's recipe when it has one, else refused (required).
    epochs: intIn(`${f}.epochs`, c.epochs === 0 && recipe.epochs !== undefined ? recipe.epochs : c.epochs, 1, SPEC_LIMITS.maxEpochs),
    // The contract's "default 32" cannot be told from an explicit 0 in proto3: 0 is refused
    // (the issue's own example of a bad config); the REST edge fills 32 when the field is absent.
    batchSize: intIn(`${f}.batch_size`, c.batchSize, 1, SPEC_LIMITS.maxBatchSize),
    optimizer,
    schedule: checkSchedule(c.schedule, optimizer.learningRate ?? SPEC_DEFAULTS.learningRate, recipe),
    // The engine's PRNG takes 32-bit seeds.
    seed: intIn(`${f}.seed`, c.seed ?? SPEC_DEFAULTS.seed, 0, 0xffffffff),
    maxGradNorm: numIn(`${f}.max_grad_norm`, c.maxGradNorm ?? SPEC_DEFAULTS.maxGradNorm, 0, Number.MAX_VALUE),
    checkpointEverySteps: intIn(`${f}.checkpoint_every_steps`, c.checkpointEverySteps ?? SPEC_DEFAULTS.checkpointEverySteps, 1, 100_000_000),
    evalEverySteps: intIn(`${f}.eval_every_steps`, c.evalEverySteps, 0, 100_000_000),
    earlyStopping,
    maxSteps: intIn(`${f}.max_steps`, c.maxSteps, 0, Number.MAX_SAFE_INTEGER),
  };
}

function checkData(d: trainer.DataSpec | undefined): trainer.DataSpec {
  const f = 'spec.data';
  if (!d?.dataset) return bad(`${f}.dataset`, 'is required: the dataset (and optionally its snapshot) to train on');
  if (!NAME.test(d.dataset.name)) bad(`${f}.dataset.name`, 'must match [a-z0-9][a-z0-9._-]{0,127}');
  const field = (name: string, value: string, fallback: string): string => {
    const v = value || fallback;
    if (v.length > SPEC_LIMITS.maxNameChars) bad(`${f}.${name}`, `must be at most ${SPEC_LIMITS.maxNameChars} characters`);
    return v;
  };
  const trainSplit = field('train_split', d.trainSplit, SPEC_DEFAULTS.trainSplit);
  const validationSplit = field('validation_split', d.validationSplit, SPEC_DEFAULTS.validationSplit);
  if (trainSplit === validationSplit) bad(`${f}.validation_split`, 'must differ from train_split');
  return {
    dataset: { name: d.dataset.name, snapshot: intIn(`${f}.dataset.snapshot`, d.dataset.snapshot, 0, 2_147_483_647) },
    labelField: field('label_field', d.labelField, SPEC_DEFAULTS.labelField),
    trainSplit,
    validationSplit,
    validationFraction: numIn(`${f}.validation_fraction`, d.validationFraction ?? SPEC_DEFAULTS.validationFraction, 0, 1, true),
    failOnMissingLabel: d.failOnMissingLabel,
  };
}

function checkLora(spec: trainer.TrainingSpec, arch: trainer.ArchitectureSpec): trainer.LoraOptions | undefined {
  const l = spec.lora;
  if (!l) return undefined;
  const f = 'spec.lora';
  if (!spec.baseModel?.name) bad('spec.base_model', 'is required with lora: the registered model whose dense weights the adapters fine-tune');
  const layers = architectureLayers(arch);
  l.targetLayers.forEach((target, i) => {
    const matches = layers.filter((layer) => layer.name === target || layer.name.startsWith(target));
    if (matches.length === 0) bad(`${f}.target_layers[${i}]`, `"${target}" names no layer of this architecture (layers: ${layers.map((x) => x.name).join(', ')})`);
    const notDense = matches.find((m) => !m.dense);
    if (notDense) bad(`${f}.target_layers[${i}]`, `"${target}" matches ${notDense.name}, which is not a dense layer; LoRA adapts dense layers only`);
  });
  return {
    rank: l.rank === 0 ? SPEC_DEFAULTS.loraRank : intIn(`${f}.rank`, l.rank, 1, 4096),
    alpha: positive(`${f}.alpha`, l.alpha ?? SPEC_DEFAULTS.loraAlpha),
    dropout: numIn(`${f}.dropout`, l.dropout, 0, 1, true),
    targetLayers: [...l.targetLayers],
    mergeOnExport: l.mergeOnExport ?? true,
  };
}

function checkRegisterAs(r: trainer.RegisterAs | undefined): trainer.RegisterAs | undefined {
  if (!r) return undefined;
  const f = 'spec.register_as';
  if (!NAME.test(r.modelName)) bad(`${f}.model_name`, 'must match [a-z0-9][a-z0-9._-]{0,127}');
  if (r.alias && !ALIAS.test(r.alias)) bad(`${f}.alias`, 'must match [a-z][a-z0-9_-]{0,62}');
  if (Object.keys(r.tags).length > SPEC_LIMITS.maxTags) bad(`${f}.tags`, `at most ${SPEC_LIMITS.maxTags} tags`);
  const variants: common.Precision[] = [];
  r.variants.forEach((p, i) => {
    // FP32 is always registered; naming it again is harmless.
    if (p === common.Precision.PRECISION_FP32) return;
    if (p !== common.Precision.PRECISION_FP16 && p !== common.Precision.PRECISION_INT8) bad(`${f}.variants[${i}]`, 'must be fp16 or int8');
    if (!variants.includes(p)) variants.push(p);
  });
  return { modelName: r.modelName, description: r.description, tags: { ...r.tags }, variants, alias: r.alias };
}

/**
 * Checks `spec` without I/O and answers it with every default filled in
 * (the snapshot still as asked: see {@link pinSnapshot}).
 */
export function checkTrainingSpec(spec: trainer.TrainingSpec | undefined, caps: SpecCapabilities): trainer.TrainingSpec {
  if (!spec) return bad('spec', 'is required');
  // LoRA targets are checked against the layers the spec describes, before whether this build trains it.
  const lora = spec.architecture?.architecture ? checkLora(spec, spec.architecture) : undefined;
  const architecture = checkArchitecture(spec.architecture, caps);
  const data = checkData(spec.data);
  const config = checkConfig(spec.config, trainingDefaultsOf(architecture));
  if (architecture.architecture?.$case === 'textClassifier' && config.optimizer?.kind !== trainer.OptimizerKind.OPTIMIZER_KIND_ADAMW) {
    // Its embedding table updates only the rows a batch used, with lazy AdamW; another optimizer would apply to the rest only.
    bad('spec.config.optimizer.kind', 'the text classifier trains with adamw only (its sparse embedding table uses lazy AdamW)');
  }
  if (spec.dpSgd) bad('spec.dp_sgd', 'DP-SGD is not supported by this trainer yet');
  if (spec.federated) bad('spec.federated', 'federated training is not supported by this trainer yet');
  if (spec.baseModel && !lora) bad('spec.base_model', 'full fine-tuning of a registered model is not supported yet; add lora');
  if (spec.baseModel && !NAME.test(spec.baseModel.name)) bad('spec.base_model.name', 'must match [a-z0-9][a-z0-9._-]{0,127}');
  return trainer.TrainingSpec.fromPartial({
    architecture,
    data,
    config,
    ...(spec.baseModel ? { baseModel: spec.baseModel } : {}),
    ...(lora ? { lora } : {}),
    ...(spec.registerAs ? { registerAs: checkRegisterAs(spec.registerAs) } : {}),
  });
}

/** What the ingestion service says about a snapshot (GetSnapshot). */
export interface SnapshotFacts {
  dataset: string;
  version: number;
  /** Metadata keys present, with the number of records carrying each. */
  metadataKeys: Readonly<Record<string, number>>;
}

/**
 * Pins the spec's snapshot to the number ingestion resolved (0 meant the
 * latest) and refuses a snapshot whose records carry no label — unless the
 * architecture reads none (the GRU language model trains on bare text).
 */
export function pinSnapshot(spec: trainer.TrainingSpec, snapshot: SnapshotFacts): trainer.TrainingSpec {
  const data = spec.data;
  if (!data?.dataset) return bad('spec.data.dataset', 'is required');
  const labelled = snapshot.metadataKeys[data.labelField] ?? 0;
  if (labelled <= 0 && labelKindOf(spec.architecture) !== 'none') {
    bad('spec.data.label_field', `snapshot ${snapshot.dataset}@${snapshot.version} has no record with metadata "${data.labelField}"; label it first or name the key holding the label`);
  }
  return { ...spec, data: { ...data, dataset: { name: snapshot.dataset, snapshot: snapshot.version } } };
}
