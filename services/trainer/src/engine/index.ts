/** The training engine: backends, kernels, optimiser, schedule, checkpoints, loop. */
export * from './backend';
export * from './kernels';
export * from './seeded-random';
export * from '../optim';
