/** Export of trained TensorFlow.js models to ONNX (fp32, fp16, int8), ready for the registry. */
export type {
  ExportActivation,
  ExportModelSpec,
  LayerSpec,
  DenseLayerSpec,
  EmbeddingLayerSpec,
  EmbeddingBagLayerSpec,
  Conv2dLayerSpec,
  MaxPool2dLayerSpec,
  FlattenLayerSpec,
  GruLayerSpec,
  GruWeights,
  ActivationLayerSpec,
} from './layer-spec';
export type { ExportPrecision } from './graph-builder';
export { type ExportOnnxOptions, type ExportedModel, CLASS_NAMES_KEY, EXPORT_FORMAT_VERSION, exportOnnx } from './export-onnx';
export { specFromTfjsModel } from './from-tfjs-layers';
// The padded id matrix moved to @l1g1/features (clients build it too); re-exported for the export tests.
export { ID_PADDING, padIdLists } from '@l1g1/features';
