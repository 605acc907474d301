/** The training engine: backends, kernels, optimiser, schedule, checkpoints, loop. */
export {};
