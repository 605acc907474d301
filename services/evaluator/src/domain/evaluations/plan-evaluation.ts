/**
 * Resolves a checked EvaluateRequest against the registry and ingestion into
 * the pinned plan a job runs: the version and its artifact, the snapshot and
 * split, the class names, and how records become model input. Everything a
 * user can get wrong is refused here, before a job exists: an unknown split
 * or label field (INVALID_ARGUMENT naming it), a model whose signature does
 * not fit the records (FAILED_PRECONDITION naming `model`).
 */
import { common, evaluator, precisionName, type registry } from '@l1g1/contracts';
import { errors, type JsonValue } from '@l1g1/kit';
import type { SnapshotReader } from '../../adapters/ingestion-reader';
import type { ModelRegistry } from '../../adapters/model-registry';
import type { EvalTaskName, EvaluatePlan, LanguageModelPlan } from './evaluate-params';
import { planModelInput, planModelOutput, recordInput, type ModelInputPlan } from './model-input';
import { isLanguageModelVersion, planLanguageModel, refuseLanguageModelAs } from './plan-language-model';

export interface PlanDeps {
  registry: Pick<ModelRegistry, 'resolve' | 'task'>;
  snapshots: SnapshotReader;
}

/** Class names from a version's `class_names` tag: a JSON array, or comma-separated. */
export function parseClassNamesTag(tag: string | undefined): string[] {
  if (!tag) return [];
  if (tag.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(tag);
      if (Array.isArray(parsed) && parsed.every((c) => typeof c === 'string')) return parsed as string[];
    } catch {
      // fall through: not JSON after all
    }
  }
  return tag.split(',').map((c) => c.trim()).filter((c) => c !== '');
}

function taskOf(req: evaluator.EvaluateRequest, registryTask: string, version: registry.ModelVersion): EvalTaskName | 'language_modeling' {
  if (req.task === evaluator.EvalTask.EVAL_TASK_LANGUAGE_MODELING) return 'language_modeling';
  if (req.task === evaluator.EvalTask.EVAL_TASK_TOKEN_CLASSIFICATION) return 'token_classification';
  if (req.task === evaluator.EvalTask.EVAL_TASK_CLASSIFICATION) return 'classification';
  const t = registryTask.toLowerCase();
  if (LANGUAGE_MODELING_TASKS.has(t) || isLanguageModelVersion(version)) return 'language_modeling';
  return t === 'ner' || t === 'token_classification' || t === 'token-classification' ? 'token_classification' : 'classification';
}

/** Registry `task` labels meaning a next-token language model. */
const LANGUAGE_MODELING_TASKS = new Set(['language_modeling', 'language-modeling', 'lm']);

export async function planEvaluation(deps: PlanDeps, req: evaluator.EvaluateRequest, createdBy: string): Promise<EvaluatePlan | LanguageModelPlan> {
  const version: registry.ModelVersion = await deps.registry.resolve(req.model as common.ModelRef);
  const artifact = version.artifacts.find((a) => a.precision === req.precision);
  if (!artifact) {
    const have = version.artifacts.map((a) => precisionName(a.precision)).join(', ');
    throw errors.failedPrecondition(`precision: version ${version.version} of ${version.modelName} has no ${precisionName(req.precision)} variant (it has ${have})`, {
      field: 'precision',
      reason: 'VARIANT_NOT_FOUND',
    });
  }
  const task = taskOf(req, await deps.registry.task(version.modelName), version);
  if (task !== 'language_modeling') refuseLanguageModelAs(task, version);
  if (task === 'token_classification') {
    throw errors.failedPrecondition('task: token classification runs are not available in this build of the evaluator yet', { field: 'task', reason: 'TASK_UNSUPPORTED' });
  }
  const facts = await deps.snapshots.getSnapshot(req.dataset as common.DatasetRef);
  const ref = `${facts.dataset}@${facts.version}`;
  const splits = Object.keys(facts.splits).sort();
  // A snapshot whose records carry no split is evaluated whole (the contract's rule).
  const split = splits.length === 0 ? '' : req.split;
  if (split !== '' && !(split in facts.splits)) {
    throw errors.invalidArgument('split', `${ref} has no split "${req.split}" (it has ${splits.join(', ')})`, { reason: 'UNKNOWN_SPLIT' });
  }
  if (task === 'language_modeling') return planLanguageModel({ req, version, artifact, dataset: facts.dataset, snapshot: facts.version, split, createdBy });
  if (!(req.labelField in facts.metadataKeys)) {
    throw errors.invalidArgument('label_field', `no record of ${ref} carries metadata "${req.labelField}"`, { reason: 'UNKNOWN_LABEL_FIELD' });
  }
  const classNames = req.classNames.length > 0 ? [...req.classNames] : parseClassNamesTag(version.tags['class_names']);
  if (classNames.length < 2) {
    throw errors.failedPrecondition(`class_names: give class_names (output index → label), or tag version ${version.version} of ${version.modelName} with class_names`, {
      field: 'class_names',
      reason: 'CLASS_NAMES_UNKNOWN',
    });
  }
  const signature = artifact.signature ?? common.ModelSignature.fromPartial({});
  const input = planModelInput(signature, version.tags);
  const outputName = planModelOutput(signature, classNames.length);
  await checkFirstRecordFits(deps.snapshots, { name: facts.dataset, snapshot: facts.version }, split, input, `${version.modelName}@${version.version}`);
  const positiveClass = req.positiveClass ? classNames.indexOf(req.positiveClass) : 1;
  if (positiveClass < 0) throw errors.invalidArgument('positive_class', `"${req.positiveClass}" is not among the class names`);
  const pinned = evaluator.EvaluateRequest.fromPartial({ ...req, classNames });
  return {
    modelName: version.modelName,
    modelVersion: version.version,
    precision: req.precision,
    dataset: facts.dataset,
    snapshot: facts.version,
    split,
    labelField: req.labelField,
    task,
    classNames,
    positiveClass,
    calibrationBins: req.calibrationBins,
    batchSize: req.batchSize,
    maxRecords: req.maxRecords,
    seed: req.seed ?? 0,
    storePredictions: req.storePredictions,
    recordInRegistry: req.recordInRegistry,
    input,
    outputName,
    request: evaluator.EvaluateRequest.toJSON(pinned) as JsonValue,
    tags: { ...req.tags },
    createdBy,
  };
}

/** Reads the split's first record and checks the model can take it; FAILED_PRECONDITION naming `model` when not. */
async function checkFirstRecordFits(snapshots: SnapshotReader, ref: common.DatasetRef, split: string, input: ModelInputPlan, model: string): Promise<void> {
  const stop = new AbortController();
  try {
    for await (const record of snapshots.readRecords(ref, split, stop.signal)) {
      const fits = recordInput(input, record);
      if (typeof fits === 'string' && input.kind === 'features') {
        throw errors.failedPrecondition(`model: ${model} takes ${input.dim} FP32 features per record, but ${fits} (record ${record.id.slice(0, 16)} of ${ref.name}@${ref.snapshot})`, {
          field: 'model',
          reason: 'MODEL_DOES_NOT_FIT_DATA',
        });
      }
      return;
    }
  } finally {
    stop.abort();
  }
}
