/**
 * How snapshot records become a model's input tensor, decided once from the
 * version's signature and tags when a run is created:
 * - `features`: each record is a JSON array of numbers (the trainer's MLP
 *   records) or raw little-endian float32, fed as FP32 `[batch, dim]`;
 * - `hashed_ngrams`: the version's `preprocess` tag holds the hashed n-gram
 *   recipe (@l1g1/features, the same code the trainer featurized with); a
 *   record's text (recipe metadata lines, then the payload) becomes ids, fed
 *   as INT64 `[batch, longest]` padded with -1;
 * - `token_ids`: the `preprocess` tag holds the token tagger's `token_ids_v1`
 *   recipe (@l1g1/features); a record's payload becomes one id per token, fed
 *   as INT64 `[batch, longest]` padded with -1 (the token path reads the
 *   tokens' offsets alongside, see evaluate-token-classification.ts).
 */
import { common } from '@l1g1/contracts';
import {
  featurizeRecord,
  padIdLists,
  parsePreprocessTag,
  parseTokenIdsTag,
  preprocessRecipeName,
  taggedText,
  textTokenIds,
  TOKEN_IDS_RECIPE,
  type PreprocessRecipe,
  type TokenIdsRecipe,
} from '@l1g1/features';
import { errors, L1g1Error } from '@l1g1/kit';

export type ModelInputPlan =
  | { kind: 'features'; inputName: string; dim: number }
  | { kind: 'hashed_ngrams'; inputName: string; recipe: PreprocessRecipe }
  | { kind: 'token_ids'; inputName: string; recipe: TokenIdsRecipe };

/** One record's model input: features, or n-gram / token ids. */
export type RecordInput = Float32Array | number[];

/** The model's signature, as the registry reports it for the evaluated artifact. */
export interface SignatureView {
  inputs: common.TensorSpec[];
  outputs: common.TensorSpec[];
}

function doesNotFit(message: string, reason = 'MODEL_INPUT_UNSUPPORTED'): L1g1Error {
  return errors.failedPrecondition(`model: ${message}`, { field: 'model', reason });
}

/**
 * The input plan for a version, or FAILED_PRECONDITION naming `model` when
 * the evaluator cannot feed it (it is the model that does not fit, not a
 * malformed request).
 */
export function planModelInput(signature: SignatureView, tags: Readonly<Record<string, string>>): ModelInputPlan {
  if (signature.inputs.length !== 1) throw doesNotFit(`the model takes ${signature.inputs.length} inputs; the evaluator feeds models with one input`);
  const input = signature.inputs[0] as common.TensorSpec;
  const preprocess = tags['preprocess'];
  if (preprocess) {
    if (input.datatype !== common.DataType.DATA_TYPE_INT64 || input.shape.length !== 2) {
      throw doesNotFit(`the version has a preprocess tag but input "${input.name}" is not INT64 [batch, ids]`);
    }
    try {
      if (preprocessRecipeName(preprocess) === TOKEN_IDS_RECIPE) return { kind: 'token_ids', inputName: input.name, recipe: parseTokenIdsTag(preprocess) };
      return { kind: 'hashed_ngrams', inputName: input.name, recipe: parsePreprocessTag(preprocess) };
    } catch (err: unknown) {
      // The tag is the version's, not the caller's: the model is what does not fit.
      throw doesNotFit(`its preprocess tag is unusable (${err instanceof Error ? err.message : 'unreadable'})`);
    }
  }
  const dim = input.shape[1];
  if (input.datatype !== common.DataType.DATA_TYPE_FP32 || input.shape.length !== 2 || dim === undefined || dim <= 0) {
    throw doesNotFit(`input "${input.name}" is not FP32 [batch, features] and the version has no preprocess tag; the evaluator cannot build its input from records`);
  }
  return { kind: 'features', inputName: input.name, dim };
}

/** The output holding class scores: FP32/FP16 `[batch, classes]`; FAILED_PRECONDITION naming `model` otherwise. */
export function planModelOutput(signature: SignatureView, classCount: number): string {
  const fits = signature.outputs.filter(
    (o) => (o.datatype === common.DataType.DATA_TYPE_FP32 || o.datatype === common.DataType.DATA_TYPE_FP16) && o.shape.length === 2,
  );
  const out = fits.find((o) => o.shape[1] === classCount) ?? fits.find((o) => (o.shape[1] ?? -1) < 0);
  if (!out) throw doesNotFit(`no output of shape [batch, ${classCount}] (one score per class name)`, 'MODEL_OUTPUT_UNSUPPORTED');
  return out.name;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * One record's input under `plan`, or a message saying why the record does
 * not fit (the first record's answer, at creation, becomes FAILED_PRECONDITION
 * naming `model`).
 */
export function recordInput(plan: ModelInputPlan, record: { data: Uint8Array; metadata: Readonly<Record<string, string>> }): RecordInput | string {
  if (plan.kind === 'hashed_ngrams') return featurizeRecord(record, plan.recipe);
  if (plan.kind === 'token_ids') return textTokenIds(taggedText(record), plan.recipe).ids;
  return recordFeatures(record.data, plan.dim);
}

/** A feature record: a JSON array of `dim` numbers, or `dim` little-endian float32 values. */
export function recordFeatures(data: Uint8Array, dim: number): Float32Array | string {
  const first = data.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x5b /* [ */) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(data));
    } catch {
      return 'the record is not valid JSON';
    }
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'the record is not a JSON array of numbers';
    if (parsed.length !== dim) return `the record holds ${parsed.length} numbers, the model takes ${dim}`;
    return Float32Array.from(parsed as number[]);
  }
  if (data.byteLength === dim * 4) {
    // Copied so the view is aligned; Float32Array reads the host's order, little-endian on every platform Node ships for.
    const copy = new Uint8Array(data);
    return new Float32Array(copy.buffer, 0, dim);
  }
  return `the record is neither a JSON array of ${dim} numbers nor ${dim} float32 values`;
}

/** The input tensor of a batch: FP32 `[rows, dim]`, or INT64 `[rows, longest]` ids padded with -1. */
export function inputTensor(plan: ModelInputPlan, rows: readonly RecordInput[]): common.Tensor {
  if (plan.kind !== 'features') {
    const { data, dims } = padIdLists(rows as readonly number[][]);
    const raw = Buffer.alloc(data.length * 8);
    data.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), i * 8));
    return common.Tensor.fromPartial({ name: plan.inputName, datatype: common.DataType.DATA_TYPE_INT64, shape: [...dims], rawData: raw });
  }
  const dim = plan.dim;
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => flat.set(r as Float32Array, i * dim));
  return common.Tensor.fromPartial({
    name: plan.inputName,
    datatype: common.DataType.DATA_TYPE_FP32,
    shape: [rows.length, dim],
    rawData: Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength),
  });
}
