/** Optimisation: AdamW, Adam, SGD with momentum; warmup + cosine, linear or constant schedules; global-norm clipping; the spec → optimizer/schedule mapping. */
export * from './training-optimizer';
export * from './scheduled-optimizer';
export * from './adamw';
export * from './adam';
export * from './sgd';
export * from './warmup';
export * from './cosine-schedule';
export * from './linear-schedule';
export * from './constant-schedule';
export * from './clip-grad-norm';
export * from './from-spec';
