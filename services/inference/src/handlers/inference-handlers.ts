import { common, inference, precisionName } from '@l1g1/contracts';
import { ALLOW_UNUSABLE_VARIANT_HEADER, cancellationSignal, dataTypeToOip, errors, oipToDataType, type AsyncService } from '@l1g1/kit';
import { Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import type { ModelManager } from '../domain/model-manager';
import type { TextFeaturizer } from '../domain/ports';
import { featurizeRawText } from '../domain/raw-text';
import type { VariantPolicy, VariantVerdict } from '../domain/variant-policy';
import { validateInputs, validateOutputNames } from '../domain/validate';
import type { RawTensor } from '../domain/types';

type Service = typeof inference.InferenceServiceService;

/** The InferenceService methods this file answers (the repository extension has its own file). */
type CoreMethods = Omit<AsyncService<Service>, 'repositoryIndex' | 'repositoryModelLoad' | 'repositoryModelUnload'>;

export function selectorOf(ref: common.ModelRef | undefined, precision: common.Precision, field = 'model') {
  if (!ref?.name) throw errors.invalidArgument(`${field}.name`, 'model name is required');
  if (ref.selector?.$case === 'version') {
    if (ref.selector.value <= 0) throw errors.invalidArgument(`${field}.version`, 'version must be a positive integer');
    return { name: ref.name, version: ref.selector.value, precision };
  }
  return { name: ref.name, alias: ref.selector?.$case === 'alias' && ref.selector.value ? ref.selector.value : 'production', precision };
}

export function checkPrecision(p: common.Precision, field = 'precision'): common.Precision {
  if (p === common.Precision.PRECISION_UNSPECIFIED) return common.Precision.PRECISION_FP32;
  if (precisionName(p) === undefined) throw errors.invalidArgument(field, `unknown precision ${String(p)} (served: fp32, fp16, int8)`);
  return p;
}

function fromTensor(t: common.Tensor, i: number): RawTensor {
  const datatype = dataTypeToOip(t.datatype);
  if (!datatype) throw errors.invalidArgument(`inputs[${i}].datatype`, `input "${t.name}" needs a datatype`);
  return { name: t.name, datatype, shape: t.shape.map(Number), data: Buffer.from(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength) };
}

function toTensor(t: RawTensor): common.Tensor {
  return { name: t.name, datatype: oipToDataType(t.datatype) ?? common.DataType.DATA_TYPE_UNSPECIFIED, shape: t.shape, rawData: t.data };
}

/** Request header that lets a call use a variant the evaluator marked not usable (kit's, which the evaluator sends). */
export { ALLOW_UNUSABLE_VARIANT_HEADER };
/** Response header carrying the variant warning (unchecked, or served only because allowed). */
export const VARIANT_WARNING_HEADER = 'l1g1-variant-warning';

function allowsUnusable(call: ServerUnaryCall<unknown, unknown>): boolean {
  return call.metadata.get(ALLOW_UNUSABLE_VARIANT_HEADER).some((v) => String(v).toLowerCase() === 'true');
}

/** Sends the warning as response header metadata (before the response, which carries the status). */
export function sendVariantWarning(call: ServerUnaryCall<unknown, unknown>, verdict: VariantVerdict): void {
  if (!verdict.warning) return;
  const md = new Metadata();
  // Header values must be printable ASCII.
  md.set(VARIANT_WARNING_HEADER, verdict.warning.replace(/[^\x20-\x7e]/g, '?'));
  call.sendMetadata(md);
}

/** Handlers of l1g1.inference.v1.InferenceService: validate -> run -> map. */
export function createInferenceHandlers(models: ModelManager, variants: VariantPolicy, featurizer: TextFeaturizer): CoreMethods {
  return {
    async predict(req, call) {
      const precision = checkPrecision(req.precision);
      const sel = selectorOf(req.model, precision);
      const inputs = req.inputs.map(fromTensor);
      return models.withModel(sel, async (model) => {
        sendVariantWarning(call, await variants.decide(model, allowsUnusable(call)));
        const ordered = validateInputs(model.signature, await featurizeRawText(model, inputs, req.metadata, featurizer));
        const outputNames = validateOutputNames(model.signature, req.outputNames, 'output_names');
        const result = await model.batcher.submit(ordered, outputNames, cancellationSignal(call));
        return {
          modelName: model.name,
          modelVersion: model.version,
          precision: model.precision,
          outputs: result.outputs.map(toTensor),
          timing: result.timing,
          metadata: req.metadata,
          requestId: req.requestId,
        };
      });
    },
    async listLoadedModels() {
      return {
        models: models.list().map(({ model, aliases }) => ({
          modelName: model.name,
          version: model.version,
          precision: model.precision,
          sha256: model.sha256,
          aliases,
          signature: {
            inputs: model.signature.inputs.map((s) => ({ name: s.name, datatype: oipToDataType(s.datatype)!, shape: s.shape, dimNames: [] })),
            outputs: model.signature.outputs.map((s) => ({ name: s.name, datatype: oipToDataType(s.datatype)!, shape: s.shape, dimNames: [] })),
          },
          batcher: {
            maxBatchSize: model.batcher.options.maxBatchSize,
            maxQueueDelayUs: model.batcher.options.maxQueueDelayUs,
            maxQueueSize: model.batcher.options.maxQueueSize,
            queued: model.batcher.queued,
            requests: model.batcher.stats.requests,
            batches: model.batcher.stats.batches,
            rejected: model.batcher.stats.rejected,
          },
        })),
      };
    },
    async loadModel(req) {
      const precision = checkPrecision(req.precision);
      const model = await models.acquire(selectorOf(req.model, precision));
      const entry = models.list().find((e) => e.model === model);
      return {
        modelName: model.name,
        version: model.version,
        precision: model.precision,
        sha256: model.sha256,
        aliases: entry?.aliases ?? [],
        signature: undefined,
        batcher: undefined,
      };
    },
    async unloadModel(req) {
      if (!req.modelName) throw errors.invalidArgument('model_name', 'model name is required');
      return { unloaded: await models.unloadByName(req.modelName, req.version) };
    },
  };
}
