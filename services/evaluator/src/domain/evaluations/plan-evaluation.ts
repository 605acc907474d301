/**
 * Resolves a checked EvaluateRequest against the registry and ingestion into
 * the pinned plan a job runs: the version and its artifact, the snapshot and
 * split, the class names, and how records become model input. Everything a
 * user can get wrong is refused here, before a job exists: an unknown split
 * or label field (INVALID_ARGUMENT naming it), a model whose signature does
 * not fit the records (FAILED_PRECONDITION naming `model`).
 */
import { common, evaluator, precisionName, type registry } from '@l1g1/contracts';
import { preprocessRecipeName, TOKEN_IDS_RECIPE } from '@l1g1/features';
import { errors, type JsonValue } from '@l1g1/kit';
import type { SnapshotReader } from '../../adapters/ingestion-reader';
import type { ModelRegistry } from '../../adapters/model-registry';
import type { EvalTaskName, EvaluatePlan, LanguageModelPlan } from './evaluate-params';
import { planModelInput, planModelOutput, recordInput, type ModelInputPlan } from './model-input';
import { isLanguageModelVersion, planLanguageModel, refuseLanguageModelAs } from './plan-language-model';
import { planTokenClassification } from './plan-token-classification';
import type { TaskPlan, TaskPlanContext } from './task-plan';

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

/**
 * The asked task; unspecified: the registry model's task, else what the version's preprocess
 * recipe says it is (a language model's tag, a tagger's token_ids_v1 recipe).
 */
function taskOf(req: evaluator.EvaluateRequest, registryTask: string, version: registry.ModelVersion): EvalTaskName | 'language_modeling' {
  if (req.task === evaluator.EvalTask.EVAL_TASK_LANGUAGE_MODELING) return 'language_modeling';
  if (req.task === evaluator.EvalTask.EVAL_TASK_TOKEN_CLASSIFICATION) return 'token_classification';
  if (req.task === evaluator.EvalTask.EVAL_TASK_CLASSIFICATION) return 'classification';
  const t = registryTask.toLowerCase();
  if (LANGUAGE_MODELING_TASKS.has(t) || isLanguageModelVersion(version)) return 'language_modeling';
  if (t === 'ner' || t === 'token_classification' || t === 'token-classification') return 'token_classification';
  // The trainer tags a tagger with its token_ids_v1 recipe but registers no task: the tag is the evidence.
  const preprocessTag = version.tags['preprocess'];
  if (t === '' && preprocessTag !== undefined && preprocessRecipeName(preprocessTag) === TOKEN_IDS_RECIPE) return 'token_classification';
  return 'classification';
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
  const context: TaskPlanContext = {
    model: `${version.modelName}@${version.version}`,
    signature: artifact.signature ?? common.ModelSignature.fromPartial({}),
    tags: version.tags,
    classNames,
    dataset: { name: facts.dataset, snapshot: facts.version },
    split,
    labelField: req.labelField,
    positiveClass: req.positiveClass,
  };
  const { input, outputName, positiveClass } = await planTask(deps.snapshots, task, context);
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

/** The task's part of the plan: a small switch, one planner per task. */
function planTask(snapshots: SnapshotReader, task: EvalTaskName, context: TaskPlanContext): Promise<TaskPlan> {
  switch (task) {
    case 'classification':
      return planClassification(snapshots, context);
    case 'token_classification':
      return planTokenClassification(snapshots, context);
  }
}

/** One label per record: a `[batch, classes]` output, the first record fits the input. */
async function planClassification(snapshots: SnapshotReader, ctx: TaskPlanContext): Promise<TaskPlan> {
  const input = planModelInput(ctx.signature, ctx.tags);
  const outputName = planModelOutput(ctx.signature, ctx.classNames.length);
  await checkFirstRecordFits(snapshots, ctx.dataset, ctx.split, input, ctx.model);
  const positiveClass = ctx.positiveClass ? ctx.classNames.indexOf(ctx.positiveClass) : 1;
  if (positiveClass < 0) throw errors.invalidArgument('positive_class', `"${ctx.positiveClass}" is not among the class names`);
  return { input, outputName, positiveClass };
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
