/**
 * The token classification part of a plan (taggers): the version must take
 * `token_ids` by the `token_ids_v1` recipe and answer `[batch, time, tags]`
 * scores over IOB2 tag names; the split's first record's spans must parse.
 * The model's misfit is FAILED_PRECONDITION naming `model` (or
 * `class_names`); malformed spans are INVALID_ARGUMENT naming `label_field`
 * and the record.
 */
import { common } from '@l1g1/contracts';
import { OUTSIDE_TAG, TOKEN_IDS_RECIPE } from '@l1g1/features';
import { errors } from '@l1g1/kit';
import type { SnapshotReader } from '../../adapters/ingestion-reader';
import type { TaskPlan, TaskPlanContext } from './task-plan';
import { planModelInput, type SignatureView } from './model-input';
import { tokenExample } from './token-example';

/** The output holding tag scores: FP32/FP16 `[batch, time, tags]`; FAILED_PRECONDITION naming `model` otherwise. */
export function planTagOutput(signature: SignatureView, tagCount: number, model: string): string {
  const fits = signature.outputs.filter(
    (o) => (o.datatype === common.DataType.DATA_TYPE_FP32 || o.datatype === common.DataType.DATA_TYPE_FP16) && o.shape.length === 3,
  );
  const out = fits.find((o) => o.shape[2] === tagCount) ?? fits.find((o) => (o.shape[2] ?? -1) < 0);
  if (!out) {
    throw errors.failedPrecondition(`model: ${model} has no output of shape [batch, time, ${tagCount}] (one score per tag name per token)`, {
      field: 'model',
      reason: 'MODEL_OUTPUT_UNSUPPORTED',
    });
  }
  return out.name;
}

/** Checks the tag names are an IOB2 list (`O`, `B-<type>`, `I-<type>`): the scorer reads entities from them. */
function checkTagNames(classNames: readonly string[], model: string): void {
  const ok = classNames.includes(OUTSIDE_TAG) && classNames.every((c) => c === OUTSIDE_TAG || /^[BI]-\S+$/.test(c));
  if (!ok) {
    throw errors.failedPrecondition(`class_names: token classification needs IOB2 tag names (O, B-<type>, I-<type>) for ${model}'s outputs, got ${JSON.stringify(classNames.slice(0, 8))}`, {
      field: 'class_names',
      reason: 'CLASS_NAMES_NOT_IOB2',
    });
  }
}

export async function planTokenClassification(snapshots: SnapshotReader, ctx: TaskPlanContext): Promise<TaskPlan> {
  const input = planModelInput(ctx.signature, ctx.tags);
  if (input.kind !== 'token_ids') {
    throw errors.failedPrecondition(
      `model: ${ctx.model} is not a token tagger: token classification needs a version whose preprocess tag follows the ${TOKEN_IDS_RECIPE} recipe (input INT64 [batch, tokens])`,
      { field: 'model', reason: 'MODEL_NOT_A_TAGGER' },
    );
  }
  checkTagNames(ctx.classNames, ctx.model);
  const outputName = planTagOutput(ctx.signature, ctx.classNames.length, ctx.model);
  // The first record's spans, so a label field of another shape is refused before a job exists.
  const stop = new AbortController();
  try {
    for await (const record of snapshots.readRecords(ctx.dataset, ctx.split, stop.signal)) {
      tokenExample(record, input.recipe, ctx.labelField);
      break;
    }
  } finally {
    stop.abort();
  }
  return { input, outputName, positiveClass: 0 };
}
