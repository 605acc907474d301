/**
 * How snapshot records become a model's input tensor, decided once from the
 * version's signature and tags when a run is created:
 * - `features`: each record is a JSON array of numbers (the trainer's MLP
 *   records) or raw little-endian float32, fed as FP32 `[batch, dim]`;
 * - `hashed_ngrams`: the version's `preprocess` tag names the hashed n-gram
 *   recipe; text is featurized into ids (needs @l1g1/features, which this
 *   build does not carry yet: such a model is refused with FAILED_PRECONDITION).
 */
import { common } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';

export type ModelInputPlan =
  | { kind: 'features'; inputName: string; dim: number }
  | { kind: 'hashed_ngrams'; inputName: string; recipe: string };

/** The model's signature, as the registry reports it for the evaluated artifact. */
export interface SignatureView {
  inputs: common.TensorSpec[];
  outputs: common.TensorSpec[];
}

/**
 * The input plan for a version, or FAILED_PRECONDITION naming `model` when
 * the evaluator cannot feed it (it is the model that does not fit, not a
 * malformed request).
 */
export function planModelInput(signature: SignatureView, tags: Readonly<Record<string, string>>): ModelInputPlan {
  const preprocess = tags['preprocess'];
  if (signature.inputs.length !== 1) {
    throw errors.failedPrecondition(`model: the model takes ${signature.inputs.length} inputs; the evaluator feeds models with one input`, { field: 'model', reason: 'MODEL_INPUT_UNSUPPORTED' });
  }
  const input = signature.inputs[0] as common.TensorSpec;
  if (preprocess) return { kind: 'hashed_ngrams', inputName: input.name, recipe: preprocess };
  const dim = input.shape[1];
  if (input.datatype !== common.DataType.DATA_TYPE_FP32 || input.shape.length !== 2 || dim === undefined || dim <= 0) {
    throw errors.failedPrecondition(
      `model: input "${input.name}" is not FP32 [batch, features] and the version has no preprocess tag; the evaluator cannot build its input from records`,
      { field: 'model', reason: 'MODEL_INPUT_UNSUPPORTED' },
    );
  }
  return { kind: 'features', inputName: input.name, dim };
}

/** The output holding class scores: FP32/FP16 `[batch, classes]`; FAILED_PRECONDITION naming `model` otherwise. */
export function planModelOutput(signature: SignatureView, classCount: number): string {
  const fits = signature.outputs.filter(
    (o) => (o.datatype === common.DataType.DATA_TYPE_FP32 || o.datatype === common.DataType.DATA_TYPE_FP16) && o.shape.length === 2,
  );
  const out = fits.find((o) => o.shape[1] === classCount) ?? fits.find((o) => (o.shape[1] ?? -1) < 0);
  if (!out) {
    throw errors.failedPrecondition(`model: no output of shape [batch, ${classCount}] (one score per class name)`, { field: 'model', reason: 'MODEL_OUTPUT_UNSUPPORTED' });
  }
  return out.name;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * One record's features for a `features` plan, or a message saying why the
 * record does not fit (the caller turns the first such answer at creation
 * into FAILED_PRECONDITION naming `model`).
 */
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
    const copy = new Uint8Array(data);
    return new Float32Array(copy.buffer, 0, dim);
  }
  return `the record is neither a JSON array of ${dim} numbers nor ${dim} float32 values`;
}

/** The FP32 `[rows, dim]` input tensor of a batch. */
export function featuresTensor(inputName: string, rows: readonly Float32Array[], dim: number): common.Tensor {
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => flat.set(r, i * dim));
  return common.Tensor.fromPartial({
    name: inputName,
    datatype: common.DataType.DATA_TYPE_FP32,
    shape: [rows.length, dim],
    rawData: Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength),
  });
}
