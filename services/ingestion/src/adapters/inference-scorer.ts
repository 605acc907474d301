/**
 * The confidence filter's Scorer backed by the real inference service:
 * each record's text goes as one element of a BYTES tensor [N] to the
 * model's input, and the output [N, C] (FP32) comes back as one probability
 * row per record. The model version is pinned once (LoadModel resolves an
 * alias, the loaded-models list gives its signature) so every batch of a
 * job is scored by the same version.
 */
import { common, inference } from '@l1g1/contracts';
import { encodeBytesElements, errors } from '@l1g1/kit';
import type { Scorer } from '../domain/confidence';
import { recordText, type StoredRecord } from '../domain/snapshot/stored-record';

/** The calls made to the inference service (a kit gRPC client's methods, promisified). */
export interface InferenceCalls {
  loadModel(req: inference.LoadModelRequest): Promise<inference.LoadedModel>;
  listLoadedModels(req: inference.ListLoadedModelsRequest): Promise<inference.ListLoadedModelsResponse>;
  predict(req: inference.PredictRequest): Promise<inference.PredictResponse>;
}

export interface InferenceScorerRequest {
  readonly model: common.ModelRef;
  readonly precision: common.Precision;
  /** Default: the model's first input. */
  readonly inputName: string;
  /** Default: the model's first output. */
  readonly outputName: string;
}

export interface PinnedScorer extends Scorer {
  /** The version that scores every batch. */
  readonly model: { name: string; version: number };
  readonly inputName: string;
  readonly outputName: string;
}

function fp32Rows(t: common.Tensor, rows: number): number[][] {
  if (t.datatype !== common.DataType.DATA_TYPE_FP32 || t.shape.length !== 2 || t.shape[0] !== rows) {
    throw errors.failedPrecondition(`model output ${t.name} must be FP32 [${rows}, classes], got shape [${t.shape.join(', ')}]`, {
      reason: 'MODEL_OUTPUT_MISMATCH',
      field: 'output_name',
    });
  }
  const classes = t.shape[1] as number;
  const raw = Buffer.from(t.rawData);
  const out: number[][] = [];
  for (let r = 0; r < rows; r += 1) {
    const row: number[] = [];
    for (let c = 0; c < classes; c += 1) row.push(raw.readFloatLE((r * classes + c) * 4));
    out.push(row);
  }
  return out;
}

/** Resolves and loads the model once, then scores batches against that exact version. */
export async function createInferenceScorer(calls: InferenceCalls, request: InferenceScorerRequest): Promise<PinnedScorer> {
  const loaded = await calls.loadModel({ model: request.model, precision: request.precision });
  // LoadModel answers the version it pinned but not its signature; the loaded-models list has it.
  const signature =
    loaded.signature ??
    (await calls.listLoadedModels({})).models.find((m) => m.modelName === loaded.modelName && m.version === loaded.version && m.precision === loaded.precision)
      ?.signature;
  const inputName = request.inputName || signature?.inputs[0]?.name || '';
  const outputName = request.outputName || signature?.outputs[0]?.name || '';
  const input = signature?.inputs.find((i) => i.name === inputName);
  if (!input) throw errors.invalidArgument('input_name', `model ${loaded.modelName} has no input ${inputName}`);
  if (input.datatype !== common.DataType.DATA_TYPE_BYTES) {
    throw errors.invalidArgument('input_name', `input ${inputName} of model ${loaded.modelName} must take BYTES (text); it takes another type`);
  }
  if (!signature?.outputs.some((o) => o.name === outputName)) throw errors.invalidArgument('output_name', `model ${loaded.modelName} has no output ${outputName}`);
  const model = { name: loaded.modelName, version: loaded.version };
  return {
    model,
    inputName,
    outputName,
    async score(records: StoredRecord[]): Promise<number[][]> {
      // A binary record has no text to send; it is scored as the empty string (and most likely sent to review).
      const texts = records.map((r) => recordText(r) ?? '');
      const res = await calls.predict({
        model: { name: model.name, selector: { $case: 'version', value: model.version } },
        precision: request.precision,
        inputs: [{ name: inputName, datatype: common.DataType.DATA_TYPE_BYTES, shape: [records.length], rawData: encodeBytesElements(texts) }],
        outputNames: [outputName],
        metadata: {},
        requestId: '',
      });
      const out = res.outputs.find((o) => o.name === outputName);
      if (!out) throw errors.failedPrecondition(`model ${model.name} answered without output ${outputName}`, { reason: 'MODEL_OUTPUT_MISMATCH' });
      return fp32Rows(out, records.length);
    },
  };
}

