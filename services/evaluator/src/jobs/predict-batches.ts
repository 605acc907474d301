/**
 * The loop every evaluation job predicts with: batches taken in order by at
 * most `concurrency` workers (so a run never holds more calls in flight at
 * the inference service than its share), each result kept by the caller,
 * and progress reported as batches return, at most `steps` times a run
 * (each report is a store write and an event).
 */
export interface PredictBatchesOptions<T> {
  batches: readonly (readonly T[])[];
  concurrency: number;
  /** Predicts one batch and keeps its results (by `index`, so order is the caller's). */
  run(batch: readonly T[], index: number): Promise<void>;
  /** Items done so far and in all; called after a batch returns, at most `steps` times. */
  progress(done: number, total: number): Promise<void>;
  /** Default 20. */
  steps?: number;
}

export async function predictBatches<T>(o: PredictBatchesOptions<T>): Promise<void> {
  const steps = o.steps ?? 20;
  const total = o.batches.reduce((n, b) => n + b.length, 0);
  let next = 0;
  let done = 0;
  let reportedStep = 0;
  const worker = async (): Promise<void> => {
    while (next < o.batches.length) {
      const index = next++;
      const batch = o.batches[index] as readonly T[];
      await o.run(batch, index);
      done += batch.length;
      const step = Math.floor((done / total) * steps);
      if (step > reportedStep) {
        reportedStep = step;
        await o.progress(done, total);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.batches.length) }, worker));
}
