/**
 * `@l1g1/onnx`: what the platform knows about ONNX without loading a runtime: reading a model's
 * serving signature, datatype and float16 helpers for tensors, and deterministic model builders
 * for tests, benchmarks and the launcher's demo.
 */
export { InvalidOnnxError } from './errors';
export {
  type OipDatatype,
  bytesPerElement,
  onnxElemTypeToOip,
  oipToOnnxElemType,
} from './datatypes';
export {
  float16ToFloat32,
  float32ToFloat16,
  float32ArrayToFloat16Bits,
  float16BitsToFloat32Array,
} from './float16';
export { type OnnxTensorSpec, type OnnxSignature, readOnnxSignature } from './signature';
export {
  type MlpOptions,
  type MlpPrecision,
  type MlpLayer,
  type MlpWithWeights,
  DEFAULT_MLP_SEED,
  BUILDER_VERSION,
  buildMlp,
  buildMlpWithWeights,
} from './mlp';
export { buildDemoClassifier } from './demo-classifier';
export { buildIdentityModel } from './identity';
export { MAX_SIGNATURE_DIM, inspectOnnxFile } from './inspect-onnx-file';
export { buildTextLookupClassifier } from './text-lookup-classifier';
