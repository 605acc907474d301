/**
 * L1G1 protobuf contracts: ts-proto output of `proto/` (regenerate with
 * `npm run proto`, never edit `gen/` by hand), one namespace per package.
 */
export * as common from './gen/l1g1/common/v1/common';
export * as registry from './gen/l1g1/modelregistry/v1/model_registry';
export * as inference from './gen/l1g1/inference/v1/inference';
export * as oip from './gen/inference/grpc_predict_v2';
export * as health from './gen/grpc/health/v1/health';
export * as ingestion from './gen/l1g1/ingestion/v1/ingestion';
export * as labeling from './gen/l1g1/labeling/v1/labeling';
export * as trainer from './gen/l1g1/trainer/v1/trainer';
export * as evaluator from './gen/l1g1/evaluator/v1/evaluator';
export { PRECISION_NAMES, precisionName, precisionFromName, type PrecisionName } from './precision';
export {
  readVariantUsability,
  variantCheckTag,
  variantUsabilityTags,
  variantUsableTag,
  type VariantUsability,
  type VariantUsabilityState,
} from './variant-usability';
