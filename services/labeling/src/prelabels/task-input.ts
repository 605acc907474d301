/**
 * Task records → the model's input tensor for one batch. A record that does
 * not fit (not text, bad JSON, wrong width) is left out and counted as
 * failed, so one odd record does not sink a run of thousands.
 */
import { padIdLists, recipeText, textTokenIds, type Token } from '@l1g1/features';
import { common } from '@l1g1/contracts';
import { encodeBytesElements } from '@l1g1/kit';
import type { TaskRow } from '../domain/ports';
import { recordText } from '../domain/record-content';
import type { PrelabelInput } from './prelabel-plan';

export interface BatchInput {
  tensor: common.Tensor;
  /** Tasks in tensor row order. */
  tasks: TaskRow[];
  /** Tasks whose record could not be fed. */
  unfit: TaskRow[];
  /** Token ids input: each fed task's text and tokens (code-point offsets), in row order. */
  tokens?: { text: string; tokens: Token[] }[];
}

export function batchInput(input: PrelabelInput, tasks: readonly TaskRow[]): BatchInput {
  const fit: TaskRow[] = [];
  const unfit: TaskRow[] = [];
  if (input.kind === 'text') {
    const texts: string[] = [];
    for (const t of tasks) {
      const text = recordText(t.record);
      if (text === undefined) {
        unfit.push(t);
        continue;
      }
      // The recipe's metadata lines are added here, per record; the inference service adds none (no request metadata).
      texts.push(recipeText({ data: text, metadata: t.record.metadata }, input.metadataFields));
      fit.push(t);
    }
    const tensor = common.Tensor.fromPartial({ name: input.inputName, datatype: common.DataType.DATA_TYPE_BYTES, shape: [texts.length], rawData: encodeBytesElements(texts) });
    return { tensor, tasks: fit, unfit };
  }
  if (input.kind === 'token_ids') {
    const tokens: { text: string; tokens: Token[] }[] = [];
    const ids: number[][] = [];
    for (const t of tasks) {
      const text = recordText(t.record);
      if (text === undefined) {
        unfit.push(t);
        continue;
      }
      const tokenized = textTokenIds(text, input.recipe);
      tokens.push({ text, tokens: tokenized.tokens });
      ids.push(tokenized.ids);
      fit.push(t);
    }
    // INT64 [rows, longest] padded with -1 (the recipe's padding id), as the tagger was trained.
    const { data, dims } = padIdLists(ids);
    const raw = Buffer.alloc(data.length * 8);
    data.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), i * 8));
    const tensor = common.Tensor.fromPartial({ name: input.inputName, datatype: common.DataType.DATA_TYPE_INT64, shape: [...dims], rawData: raw });
    return { tensor, tasks: fit, unfit, tokens };
  }
  const values = new Float32Array(tasks.length * input.dim);
  for (const t of tasks) {
    const row = featureRow(t, input.dim);
    if (!row) {
      unfit.push(t);
      continue;
    }
    values.set(row, fit.length * input.dim);
    fit.push(t);
  }
  const data = values.subarray(0, fit.length * input.dim);
  const tensor = common.Tensor.fromPartial({
    name: input.inputName,
    datatype: common.DataType.DATA_TYPE_FP32,
    shape: [fit.length, input.dim],
    rawData: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  });
  return { tensor, tasks: fit, unfit };
}

function featureRow(t: TaskRow, dim: number): number[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(t.record.data).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== dim || !parsed.every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined;
  return parsed as number[];
}
