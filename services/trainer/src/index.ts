/**
 * The trainer (issue 8). So far: pure building blocks, each with its tests —
 * the engine (backend choice, wasm kernels, optimiser, schedule, exact-resume
 * checkpoints, the training loop) and the export of trained models. The gRPC
 * service, jobs, gateway routes and launcher wiring come in a later step.
 */
export * from './engine';
export * from './export';
export * from './features';
export * from './models';
