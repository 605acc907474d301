/** The AdamW hyper-parameters a row-sparse table uses (the job's optimizer config; the rate comes per step). */
export interface SparseAdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}
