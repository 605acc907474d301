/** Optimisation: AdamW, the warmup + cosine schedule, global-norm clipping. */
export * from './adamw';
export * from './cosine-schedule';
export * from './clip-grad-norm';
