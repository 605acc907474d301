/** Exact-resume checkpoints: the file format and save/restore of a run's state. */
export * from './checkpoint-format';
export * from './checkpoint';
