import { common, oip, precisionFromName } from '@l1g1/contracts';
import { cancellationSignal, contentsToRaw, errors, isOipDatatype, rawToContents, type AsyncService } from '@l1g1/kit';
import type { ModelManager, ModelSelector } from '../domain/model-manager';
import type { TextFeaturizer } from '../domain/ports';
import { featurizeRawText } from '../domain/raw-text';
import type { VariantPolicy } from '../domain/variant-policy';
import { sendVariantWarning } from './inference-handlers';
import { validateInputs, validateOutputNames } from '../domain/validate';
import type { RawTensor } from '../domain/types';

type Service = typeof oip.GRPCInferenceServiceService;

/**
 * OIP model selection: an empty version means the `production` alias, a
 * number a version, anything else an alias name (e.g. `staging`).
 * The request parameter `precision` (fp32|fp16|int8) picks a variant.
 */
export function oipSelector(name: string, version: string, params: { [k: string]: oip.InferParameter } = {}): ModelSelector {
  if (!name) throw errors.invalidArgument('model_name', 'model name is required');
  const p = params['precision']?.parameterChoice;
  let precision = common.Precision.PRECISION_FP32;
  if (p) {
    const value = p.$case === 'stringParam' ? precisionFromName(p.value) : undefined;
    if (value === undefined) throw errors.invalidArgument('parameters.precision', 'must be one of "fp32", "fp16", "int8"');
    precision = value;
  }
  if (version === '') return { name, alias: 'production', precision };
  if (/^\d+$/.test(version)) {
    const v = Number(version);
    // Versions are int32 in the registry's contract: beyond that is the caller's mistake, not our serializer's INTERNAL.
    if (v <= 0 || v > 2_147_483_647) throw errors.invalidArgument('model_version', `version must be an integer between 1 and 2147483647, got "${version.slice(0, 24)}"`);
    return { name, version: v, precision };
  }
  return { name, alias: version, precision };
}

/** String request parameters (e.g. a mail's `subject`, `from`): the metadata raw text is prefixed with. */
function textMetadata(params: { [k: string]: oip.InferParameter }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v.parameterChoice?.$case === 'stringParam' && k !== 'precision') out[k] = v.parameterChoice.value;
  return out;
}

export const SERVER_NAME = 'l1g1';
export const SERVER_VERSION = '0.1.0';
export const SERVER_EXTENSIONS = ['model_repository', 'binary_tensor_data', 'parameters'];

/** The KServe Open Inference Protocol v2 gRPC service. */
export function createOipHandlers(models: ModelManager, variants: VariantPolicy, featurizer: TextFeaturizer, isReady: () => boolean): AsyncService<Service> {
  return {
    async serverLive() {
      return { live: true };
    },
    async serverReady() {
      return { ready: isReady() };
    },
    // Ready = loaded and serving now (a probe never loads a model); a model
    // the registry knows but that is not loaded is not ready (it loads on its
    // first request or through the repository extension); an unknown one is
    // NOT_FOUND, as KServe and Triton answer.
    async modelReady(req) {
      const sel = oipSelector(req.name, req.version);
      if (models.peek(sel)) return { ready: true };
      await models.resolve(sel);
      return { ready: false };
    },
    async serverMetadata() {
      return { name: SERVER_NAME, version: SERVER_VERSION, extensions: SERVER_EXTENSIONS };
    },
    async modelMetadata(req) {
      const model = await models.acquire(oipSelector(req.name, req.version));
      return {
        name: model.name,
        versions: [String(model.version)],
        platform: 'onnxruntime_onnx',
        inputs: model.signature.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
        outputs: model.signature.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
      };
    },
    async modelInfer(req, call) {
      const sel = oipSelector(req.modelName, req.modelVersion, req.parameters);
      const raw = req.rawInputContents.length > 0;
      if (raw && req.rawInputContents.length !== req.inputs.length) {
        throw errors.invalidArgument(
          'raw_input_contents',
          `has ${req.rawInputContents.length} entries for ${req.inputs.length} inputs (one per input, in order)`,
        );
      }
      const inputs: RawTensor[] = req.inputs.map((t, i) => {
        const field = `inputs[${i}]`;
        // Spelled exactly as the OIP spec does (`FP32`, not `fp32`).
        const datatype = t.datatype;
        if (!isOipDatatype(datatype)) {
          throw errors.invalidArgument(
            `${field}.datatype`,
            `input "${t.name}" has unknown datatype "${t.datatype}" (one of BOOL, UINT8..UINT64, INT8..INT64, FP16, FP32, FP64, BYTES, as spelled)`,
          );
        }
        const shape = t.shape.map(Number);
        if (raw) {
          if (t.contents) throw errors.invalidArgument(`${field}.contents`, 'must be empty when raw_input_contents is used');
          const b = req.rawInputContents[i]!;
          return { name: t.name, datatype, shape, data: Buffer.from(b.buffer, b.byteOffset, b.byteLength) };
        }
        if (!t.contents) throw errors.invalidArgument(`${field}.contents`, `input "${t.name}" has no data`);
        return { name: t.name, datatype, shape, data: contentsToRaw(datatype, shape, t.contents, field) };
      });
      const wantRawParam = req.parameters['raw_output']?.parameterChoice;
      const rawOut = wantRawParam?.$case === 'boolParam' ? wantRawParam.value : raw;
      const allowParam = req.parameters['allow_unusable_variant']?.parameterChoice;
      if (allowParam && allowParam.$case !== 'boolParam') throw errors.invalidArgument('parameters.allow_unusable_variant', 'must be a bool');
      const allowUnusable = allowParam?.value === true;
      return models.withModel(sel, async (model) => {
        const verdict = await variants.decide(model, allowUnusable);
        sendVariantWarning(call, verdict);
        const ordered = validateInputs(model.signature, await featurizeRawText(model, inputs, textMetadata(req.parameters), featurizer));
        const outputNames = validateOutputNames(
          model.signature,
          req.outputs.map((o) => o.name),
        );
        const result = await model.batcher.submit(ordered, outputNames, cancellationSignal(call));
        const response: oip.ModelInferResponse = {
          modelName: model.name,
          modelVersion: String(model.version),
          id: req.id,
          parameters: {
            queue_us: { parameterChoice: { $case: 'int64Param', value: Math.round(result.timing.queueUs) } },
            compute_us: { parameterChoice: { $case: 'int64Param', value: Math.round(result.timing.computeUs) } },
            batch_size: { parameterChoice: { $case: 'int64Param', value: result.timing.batchSize } },
            ...(verdict.warning ? { variant_warning: { parameterChoice: { $case: 'stringParam', value: verdict.warning } } } : {}),
          },
          outputs: result.outputs.map((o) => ({
            name: o.name,
            datatype: o.datatype,
            shape: o.shape,
            parameters: {},
            contents: rawOut ? undefined : rawToContents(o.datatype, o.data),
          })),
          rawOutputContents: rawOut ? result.outputs.map((o) => o.data) : [],
        };
        return response;
      });
    },
  };
}
