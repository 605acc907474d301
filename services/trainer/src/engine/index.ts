/** The training engine: backends, kernels, data order, PRNG; optimisation and checkpoints are re-exported here. */
export * from './backend';
export * from './kernels';
export * from './seeded-random';
export * from './data-order';
export * from '../optim';
export * from '../checkpoint';
export * from './shuffle-buffer';
export * from './train-loop';
