import type { MethodScopes } from '@l1g1/kit';

/** L1G1 InferenceService: predicting needs `predict`; loading and unloading change what is served. */
export const INFERENCE_METHOD_SCOPES: MethodScopes = {
  predict: 'predict',
  listLoadedModels: 'read',
  loadModel: 'write',
  unloadModel: 'write',
  // The KServe model_repository extension: the index is a read; load/unload change what is served.
  repositoryIndex: 'read',
  repositoryModelLoad: 'write',
  repositoryModelUnload: 'write',
};

/**
 * KServe OIP v2: liveness and readiness are public (orchestrators probe
 * them without keys), metadata is a read, inference a predict.
 */
export const OIP_METHOD_SCOPES: MethodScopes = {
  serverLive: 'public',
  serverReady: 'public',
  serverMetadata: 'public',
  modelReady: 'read',
  modelMetadata: 'read',
  modelInfer: 'predict',
};
