/**
 * The trainer (issue 8): the engine (backend choice, wasm kernels, optimiser,
 * schedule, exact-resume checkpoints, the training loop), the export of
 * trained models, and the gRPC service running training as durable jobs.
 *
 * `startTrainer` composes the deps and the server; `main.ts` wraps it with
 * config, telemetry and signals, and tests and the launcher call it directly.
 */
export * from './engine';
export * from './export';
export { loadTrainerConfig, type TrainerConfig } from './config';
export { TRAINER_SERVICE_NAME } from './server';
export type { TrainerDeps } from './deps';
export { startTrainer, type StartTrainerOptions, type RunningTrainer } from './start-trainer';
export * from './models';
