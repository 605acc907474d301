/** The inference service as a library: its config and how to start it (tests, the launcher). */
export { loadInferenceConfig, type InferenceConfig } from './config';
export { startInference, type RunningInference } from './start';
