/**
 * What a pre-label run is pinned to, decided when CreatePrelabels is called:
 * the resolved model version and precision, how task records become the
 * model's input (raw text for a version with a `preprocess` tag, which the
 * inference service featurizes; else FP32 feature rows from JSON arrays),
 * which output holds the class scores and which class each output index is.
 * Entity-span projects take a token tagger instead (span-prelabel-plan.ts).
 * A model that does not fit is FAILED_PRECONDITION naming `model` (the model,
 * not the request, is at fault); bad request fields are INVALID_ARGUMENT.
 */
import { parsePreprocessTag, type TokenIdsRecipe } from '@l1g1/features';
import { common, labeling, type registry } from '@l1g1/contracts';
import { errors, type JsonValue } from '@l1g1/kit';
import { planSpanModel } from './span-prelabel-plan';

export type PrelabelInput =
  | { kind: 'text'; inputName: string; metadataFields: string[] }
  | { kind: 'features'; inputName: string; dim: number }
  /** A token tagger (span projects): one id per token of the record's text, see span-prelabel-plan.ts. */
  | { kind: 'token_ids'; inputName: string; recipe: TokenIdsRecipe };

export interface PrelabelPlan {
  projectId: string;
  modelName: string;
  modelVersion: number;
  precision: common.Precision;
  /** Output index → project class name; for a span project, output index → IOB2 tag name. */
  classNames: string[];
  /** Span (NER) project: the project's span labels (pre-labels are validated against them). */
  spanLabels?: string[];
  /** Multi-label project: every class scoring ≥ 0.5 is predicted (else the top class). */
  multiLabel: boolean;
  input: PrelabelInput;
  outputName: string;
  includeAnnotated: boolean;
  overwrite: boolean;
  batchSize: number;
  /** Who asked (the job's created_by). */
  createdBy: string;
  /** The request as asked (model as given, e.g. name@alias), for GetJob. */
  request: JsonValue;
}

/** Rows per inference call: the inference service takes at most 256 texts per request. */
export const MAX_PRELABEL_BATCH = 256;
const DEFAULT_BATCH = 64;

/** Checks the request's own fields (before any remote call). */
export function checkPrelabelRequest(req: labeling.CreatePrelabelsRequest, project: { config: labeling.LabelConfig }): void {
  const T = labeling.TaskType;
  const spans = project.config.taskType === T.TASK_TYPE_NER;
  if (project.config.taskType !== T.TASK_TYPE_CLASSIFICATION && project.config.taskType !== T.TASK_TYPE_MULTI_LABEL_CLASSIFICATION && !spans) {
    throw errors.failedPrecondition('project_id: pre-labels are made for classification and entity-span projects only in this build', { field: 'project_id', reason: 'PRELABEL_TASK_TYPE' });
  }
  // A tagger's outputs are IOB2 tags named by its own class_names tag, not project classes.
  if (spans && req.classNames.length > 0) throw errors.invalidArgument('class_names', "leave empty for a span project: the tagger's class_names tag names its tags");
  if (!req.model || req.model.name.trim() === '') throw errors.invalidArgument('model.name', 'name the served model (name@alias or a version)');
  if (req.model.selector?.$case === 'version' && req.model.selector.value < 0) throw errors.invalidArgument('model.version', 'cannot be negative');
  if (!Object.values(common.Precision).includes(req.precision) || req.precision === common.Precision.UNRECOGNIZED) throw errors.invalidArgument('precision', 'unknown precision');
  if (req.batchSize < 0 || req.batchSize > MAX_PRELABEL_BATCH) throw errors.invalidArgument('batch_size', `expected 1..${MAX_PRELABEL_BATCH} (0: ${DEFAULT_BATCH})`);
  const known = new Set(project.config.classes.map((c) => c.name));
  req.classNames.forEach((c, i) => {
    if (!known.has(c)) throw errors.invalidArgument(`class_names[${i}]`, `"${c}" is not a class of the project`);
  });
}

/** The plan for a resolved version (see the module comment for the refusals). */
export function planPrelabels(req: labeling.CreatePrelabelsRequest, project: { id: string; config: labeling.LabelConfig }, version: registry.ModelVersion, createdBy: string): PrelabelPlan {
  const precision = req.precision === common.Precision.PRECISION_UNSPECIFIED ? common.Precision.PRECISION_FP32 : req.precision;
  const artifact = version.artifacts.find((a) => a.precision === precision);
  if (!artifact) throw errors.failedPrecondition(`precision: version ${version.version} of ${version.modelName} has no artifact of that precision`, { field: 'precision', reason: 'PRECISION_NOT_FOUND' });
  const pinned = { projectId: project.id, modelName: version.modelName, modelVersion: version.version, precision, includeAnnotated: req.includeAnnotated, overwrite: req.overwrite };
  const asked = { batchSize: req.batchSize === 0 ? DEFAULT_BATCH : req.batchSize, createdBy, request: labeling.CreatePrelabelsRequest.toJSON(req) as JsonValue };
  if (project.config.taskType === labeling.TaskType.TASK_TYPE_NER) {
    const spanLabels = project.config.classes.map((c) => c.name);
    const m = planSpanModel(version, artifact.signature ?? common.ModelSignature.fromPartial({}), spanLabels);
    return { ...pinned, ...asked, classNames: m.tagNames, spanLabels, multiLabel: false, input: m.input, outputName: m.outputName };
  }
  const classNames = req.classNames.length > 0 ? [...req.classNames] : [...project.config.classes].sort((a, b) => a.index - b.index).map((c) => c.name);
  const signature = artifact.signature ?? common.ModelSignature.fromPartial({});
  if (signature.inputs.length !== 1) {
    throw errors.failedPrecondition(`model: the model takes ${signature.inputs.length} inputs; pre-labels feed models with one input`, { field: 'model', reason: 'MODEL_INPUT_UNSUPPORTED' });
  }
  const spec = signature.inputs[0] as common.TensorSpec;
  const tag = version.tags['preprocess'];
  let input: PrelabelInput;
  if (tag) {
    input = { kind: 'text', inputName: spec.name, metadataFields: [...parsePreprocessTag(tag, 'model').metadataFields] };
  } else {
    const dim = spec.shape[1];
    if (spec.datatype !== common.DataType.DATA_TYPE_FP32 || spec.shape.length !== 2 || dim === undefined || dim <= 0) {
      throw errors.failedPrecondition(`model: input "${spec.name}" is not FP32 [batch, features] and the version has no preprocess tag`, { field: 'model', reason: 'MODEL_INPUT_UNSUPPORTED' });
    }
    input = { kind: 'features', inputName: spec.name, dim };
  }
  const fits = signature.outputs.filter((o) => (o.datatype === common.DataType.DATA_TYPE_FP32 || o.datatype === common.DataType.DATA_TYPE_FP16) && o.shape.length === 2);
  const out = fits.find((o) => o.shape[1] === classNames.length) ?? fits.find((o) => (o.shape[1] ?? -1) < 0);
  if (!out) throw errors.failedPrecondition(`model: no output of shape [batch, ${classNames.length}] (one score per class)`, { field: 'model', reason: 'MODEL_OUTPUT_UNSUPPORTED' });
  return { ...pinned, ...asked, classNames, multiLabel: project.config.taskType === labeling.TaskType.TASK_TYPE_MULTI_LABEL_CLASSIFICATION, input, outputName: out.name };
}

/** The plan as job params and back (the job row holds JSON). */
export function encodePrelabelPlan(plan: PrelabelPlan): JsonValue {
  return plan as unknown as JsonValue;
}

export function decodePrelabelPlan(params: JsonValue): PrelabelPlan {
  const p = params as unknown as PrelabelPlan;
  if (!p || typeof p.projectId !== 'string' || !Array.isArray(p.classNames) || typeof p.batchSize !== 'number') throw errors.internal('pre-label job params are malformed');
  return p;
}
