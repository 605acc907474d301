/**
 * The plan of a language-modeling run: the version must be a next-token
 * language model (a `preprocess` tag with `"input": "token_ids"` and its
 * vocabulary, one INT64 `[batch, time]` input, an FP32/FP16
 * `[batch, time, vocab]` output); the window defaults to the seq_len it was
 * trained with. No labels or class names are involved.
 */
import { common, evaluator, type registry } from '@l1g1/contracts';
import { isLmRecipeTag, parseLmRecipeTag } from '@l1g1/features';
import { errors, type JsonValue } from '@l1g1/kit';
import type { LanguageModelPlan } from './evaluate-params';
import type { SignatureView } from './model-input';

/** Values one inference answer may hold (rows × window × vocabulary); a batch is cut smaller to stay under it. */
export const MAX_LM_ANSWER_VALUES = 4 * 1024 * 1024;

const isScores = (t: common.TensorSpec): boolean => t.datatype === common.DataType.DATA_TYPE_FP32 || t.datatype === common.DataType.DATA_TYPE_FP16;

/** True when the version is tagged as a next-token language model. */
export function isLanguageModelVersion(version: Pick<registry.ModelVersion, 'tags'>): boolean {
  return isLmRecipeTag(version.tags['preprocess']);
}

/** FAILED_PRECONDITION naming `task` when a language model is asked for another task (its output is no class-score row). */
export function refuseLanguageModelAs(task: string, version: Pick<registry.ModelVersion, 'tags' | 'modelName' | 'version'>): void {
  if (!isLanguageModelVersion(version)) return;
  throw errors.failedPrecondition(`task: version ${version.version} of ${version.modelName} is a language model; evaluate it with task language_modeling, not ${task}`, {
    field: 'task',
    reason: 'TASK_DOES_NOT_FIT_MODEL',
  });
}

export interface LanguageModelPlanInput {
  req: evaluator.EvaluateRequest;
  version: registry.ModelVersion;
  artifact: registry.Artifact;
  dataset: string;
  snapshot: number;
  split: string;
  createdBy: string;
}

export function planLanguageModel(p: LanguageModelPlanInput): LanguageModelPlan {
  const { req, version } = p;
  const what = `version ${version.version} of ${version.modelName}`;
  const tag = version.tags['preprocess'];
  if (!isLmRecipeTag(tag)) {
    throw errors.failedPrecondition(`task: ${what} is not a language model (it has no preprocess tag with "input": "token_ids" and a vocabulary); evaluate it as classification`, {
      field: 'task',
      reason: 'TASK_DOES_NOT_FIT_MODEL',
    });
  }
  let vocabSize: number;
  let seqLen: number;
  try {
    const recipe = parseLmRecipeTag(tag as string);
    vocabSize = recipe.vocabulary.tokens.length;
    seqLen = recipe.seqLen;
  } catch (err: unknown) {
    // The tag is the version's, not the caller's: the model is what does not fit.
    throw errors.failedPrecondition(`model: the preprocess tag of ${what} is unusable (${err instanceof Error ? err.message : 'unreadable'})`, { field: 'model', reason: 'MODEL_INPUT_UNSUPPORTED' });
  }
  const signature: SignatureView = p.artifact.signature ?? common.ModelSignature.fromPartial({});
  const input = signature.inputs[0];
  if (signature.inputs.length !== 1 || !input || input.datatype !== common.DataType.DATA_TYPE_INT64 || input.shape.length !== 2) {
    throw errors.failedPrecondition(`model: a language model takes one INT64 [batch, time] input of token ids; ${what} does not`, { field: 'model', reason: 'MODEL_INPUT_UNSUPPORTED' });
  }
  const output = signature.outputs.find((o) => isScores(o) && o.shape.length === 3 && (o.shape[2] === vocabSize || (o.shape[2] ?? -1) < 0));
  if (!output) {
    throw errors.failedPrecondition(`model: ${what} has no FP32 [batch, time, ${vocabSize}] output (a next-token distribution over its vocabulary)`, {
      field: 'model',
      reason: 'MODEL_OUTPUT_UNSUPPORTED',
    });
  }
  const window = req.window || seqLen;
  if (window * vocabSize > MAX_LM_ANSWER_VALUES) {
    // One window row's answer alone would pass the bound; a shorter window is the caller's fix.
    throw errors.invalidArgument('window', `${window} tokens × a vocabulary of ${vocabSize} is more than ${MAX_LM_ANSWER_VALUES} values per window; use a window of at most ${Math.floor(MAX_LM_ANSWER_VALUES / vocabSize)}`, {
      reason: 'WINDOW_TOO_LARGE',
    });
  }
  const batchSize = Math.max(1, Math.min(req.batchSize, Math.floor(MAX_LM_ANSWER_VALUES / (window * vocabSize))));
  const pinned = evaluator.EvaluateRequest.fromPartial({ ...req, task: evaluator.EvalTask.EVAL_TASK_LANGUAGE_MODELING, window, batchSize });
  return {
    task: 'language_modeling',
    modelName: version.modelName,
    modelVersion: version.version,
    precision: req.precision,
    dataset: p.dataset,
    snapshot: p.snapshot,
    split: p.split,
    window,
    batchSize,
    maxRecords: req.maxRecords,
    seed: req.seed ?? 0,
    recordInRegistry: req.recordInRegistry,
    inputName: input.name,
    outputName: output.name,
    recipeTag: tag as string,
    request: evaluator.EvaluateRequest.toJSON(pinned) as JsonValue,
    tags: { ...req.tags },
    createdBy: p.createdBy,
  };
}

/** The registry metrics a language-modeling run records (per split and precision). */
export const LM_REGISTRY_METRICS = ['perplexity', 'nll', 'bits_per_token', 'bits_per_char'] as const;
