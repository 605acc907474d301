/**
 * The plan of a pre-label run on an entity-span (NER) project: the model
 * must be a token tagger, i.e. a version whose `preprocess` tag follows the
 * `token_ids_v1` recipe (input INT64 [batch, tokens], padding -1), with an
 * output FP32/FP16 [batch, time, tags] and a `class_names` tag listing IOB2
 * tag names (`O`, `B-<type>`, `I-<type>`) whose entity types are all span
 * labels of the project. Anything else is FAILED_PRECONDITION naming
 * `model`: it is the model that does not fit the project. There is no
 * mapping of types: rename the project's labels (or retrain) to match.
 */
import { common, type registry } from '@l1g1/contracts';
import { OUTSIDE_TAG, parseTokenIdsTag, preprocessRecipeName, TOKEN_IDS_RECIPE, type TokenIdsRecipe } from '@l1g1/features';
import { errors, L1g1Error } from '@l1g1/kit';

export interface SpanModelPlan {
  input: { kind: 'token_ids'; inputName: string; recipe: TokenIdsRecipe };
  outputName: string;
  /** Output index → IOB2 tag name. */
  tagNames: string[];
}

function doesNotFit(message: string, reason: string): L1g1Error {
  return errors.failedPrecondition(`model: ${message}`, { field: 'model', reason });
}

export function planSpanModel(version: registry.ModelVersion, signature: common.ModelSignature, spanLabels: readonly string[]): SpanModelPlan {
  const model = `${version.modelName} v${version.version}`;
  const tag = version.tags['preprocess'];
  const spec = signature.inputs[0];
  if (!tag || signature.inputs.length !== 1 || !spec || preprocessRecipeNameOrEmpty(tag) !== TOKEN_IDS_RECIPE) {
    throw doesNotFit(`${model} is not a token tagger: span projects are pre-labelled by a version whose preprocess tag follows the ${TOKEN_IDS_RECIPE} recipe`, 'MODEL_NOT_A_TAGGER');
  }
  if (spec.datatype !== common.DataType.DATA_TYPE_INT64 || spec.shape.length !== 2) {
    throw doesNotFit(`${model}'s input "${spec.name}" is not INT64 [batch, tokens]`, 'MODEL_INPUT_UNSUPPORTED');
  }
  let recipe: TokenIdsRecipe;
  try {
    recipe = parseTokenIdsTag(tag);
  } catch (err: unknown) {
    // The tag is the version's, not the caller's: the model is what does not fit.
    throw doesNotFit(`${model}'s preprocess tag is unusable (${err instanceof Error ? err.message : 'unreadable'})`, 'MODEL_INPUT_UNSUPPORTED');
  }
  const tagNames = tagNamesOf(version.tags['class_names'], model);
  const types = [...new Set(tagNames.filter((t) => t !== OUTSIDE_TAG).map((t) => t.slice(2)))];
  const labels = new Set(spanLabels);
  const unknown = types.filter((t) => !labels.has(t));
  if (unknown.length > 0) {
    throw doesNotFit(`${model} tags entity types the project has no span label for: ${unknown.slice(0, 20).join(', ')} (project labels: ${[...labels].slice(0, 20).join(', ')})`, 'MODEL_ENTITY_TYPES_UNKNOWN');
  }
  const fits = signature.outputs.filter((o) => (o.datatype === common.DataType.DATA_TYPE_FP32 || o.datatype === common.DataType.DATA_TYPE_FP16) && o.shape.length === 3);
  const out = fits.find((o) => o.shape[2] === tagNames.length) ?? fits.find((o) => (o.shape[2] ?? -1) < 0);
  if (!out) throw doesNotFit(`${model} has no output of shape [batch, time, ${tagNames.length}] (one score per tag per token)`, 'MODEL_OUTPUT_UNSUPPORTED');
  return { input: { kind: 'token_ids', inputName: spec.name, recipe }, outputName: out.name, tagNames };
}

function preprocessRecipeNameOrEmpty(tag: string): string {
  try {
    return preprocessRecipeName(tag) ?? '';
  } catch {
    return '';
  }
}

/** The `class_names` tag as IOB2 tag names (the trainer writes a JSON array). */
function tagNamesOf(tag: string | undefined, model: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(tag ?? '');
  } catch {
    parsed = undefined;
  }
  const names = Array.isArray(parsed) && parsed.every((c) => typeof c === 'string') ? (parsed as string[]) : [];
  if (!names.includes(OUTSIDE_TAG) || !names.every((c) => c === OUTSIDE_TAG || /^[BI]-\S+$/.test(c))) {
    throw doesNotFit(`${model} needs a class_names tag of IOB2 tag names (a JSON array of O, B-<type>, I-<type>)`, 'CLASS_NAMES_NOT_IOB2');
  }
  return names;
}
