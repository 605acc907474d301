import { recipeText } from '@l1g1/features';
import { decodeBytesElements, errors } from '@l1g1/kit';
import type { LoadedModel } from './model-manager';
import type { TextFeaturizer } from './ports';
import type { RawTensor } from './types';

/** Texts one request may send (rows of its BYTES input). */
export const MAX_RAW_TEXTS = 256;
/** UTF-8 bytes of all the texts of one request together. */
export const MAX_RAW_TEXT_BYTES = 4 * 1024 * 1024;

/**
 * Raw text for a model whose registry version carries a `preprocess` tag
 * (the trainer's hashed n-gram recipe): a request whose one input is a BYTES
 * tensor of strings, shape `[n]` or `[n, 1]`, is featurized into the model's
 * INT64 id input, as the trainer featurized its training records. The
 * recipe's metadata fields (e.g. a mail's `subject`, `from`) are read from
 * `metadata` when given and precede every text, one per line. Any other
 * request is returned as it came.
 */
export async function featurizeRawText(
  model: Pick<LoadedModel, 'signature' | 'preprocess' | 'name' | 'version'>,
  inputs: RawTensor[],
  metadata: Readonly<Record<string, string>>,
  featurizer: TextFeaturizer,
  field = 'inputs',
): Promise<RawTensor[]> {
  const spec = model.signature.inputs.length === 1 ? model.signature.inputs[0]! : undefined;
  const input = inputs.length === 1 ? inputs[0]! : undefined;
  if (!spec || !input || input.datatype !== 'BYTES' || spec.datatype === 'BYTES') return inputs;
  const where = `${field}[0]`;
  if (!model.preprocess) {
    throw errors.invalidArgument(
      `${where}.datatype`,
      `input "${input.name}" is BYTES but ${model.name} version ${model.version} takes ${spec.datatype} "${spec.name}"; raw text is accepted only by a version with a preprocess tag`,
      { reason: 'INVALID_TENSOR_DATATYPE' },
    );
  }
  if (spec.datatype !== 'INT64') {
    throw errors.failedPrecondition(`${model.name} version ${model.version} has a preprocess tag but its input "${spec.name}" is ${spec.datatype}, not INT64 ids`);
  }
  const rows = input.shape[0] ?? 0;
  if (!(input.shape.length === 1 || (input.shape.length === 2 && input.shape[1] === 1))) {
    throw errors.invalidArgument(`${where}.shape`, `raw text must have shape [n] or [n, 1], got [${input.shape.join(', ')}]`, { reason: 'INVALID_TENSOR_SHAPE' });
  }
  if (rows < 1 || rows > MAX_RAW_TEXTS) throw errors.invalidArgument(`${where}.shape`, `send 1 to ${MAX_RAW_TEXTS} texts per request, got ${rows}`);
  if (input.data.byteLength > MAX_RAW_TEXT_BYTES + 4 * rows) {
    throw errors.invalidArgument(`${where}.data`, `the texts total more than ${MAX_RAW_TEXT_BYTES} bytes; split the request`);
  }
  const elements = decodeBytesElements(input.data, `${where}.data`);
  if (elements.length !== rows) throw errors.invalidArgument(`${where}.data`, `has ${elements.length} strings for shape [${input.shape.join(', ')}]`);
  const recipe = model.preprocess;
  const texts = elements.map((b) => recipeText({ data: b, metadata }, recipe.metadataFields));
  const { ids, width } = await featurizer.featurize(texts, recipe);
  return [{ name: spec.name, datatype: 'INT64', shape: [rows, width], data: ids }];
}
