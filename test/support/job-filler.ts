/**
 * Fills a service's job store with many jobs newer than everything in it,
 * through a real second store instance on the same SQLite file (as another
 * process would). Its clock runs far ahead, so the jobs sort newest and their
 * backoff never passes for the service's own worker: they are listed, never
 * run. Used to show that ListJobs' filters are exact beyond any window of
 * recent jobs.
 */
import { openSqliteJobStore } from '@l1g1/kit';

/** Store pages × rows the handlers used to scan before subjects (20 × 500): a filter had to find its job within these. */
export const FORMER_SCAN_WINDOW = 20 * 500;

export interface FillOptions {
  kind: string;
  subjects: readonly string[];
  /** Jobs to add (bounded: at most 20,000). */
  count: number;
}

/** Submits `count` jobs of `kind` and `subjects`, all newer than any job already stored; answers when they are committed. */
export async function fillJobStore(path: string, options: FillOptions): Promise<void> {
  if (options.count > 20_000) throw new Error('fillJobStore: at most 20,000 jobs');
  // A day ahead and one millisecond per job: newer than the service's jobs, never claimable by its worker.
  let clock = Date.now() + 86_400_000;
  const store = openSqliteJobStore(path, { now: () => ++clock, maxPendingPerKind: options.count + 1 });
  try {
    for (let i = 0; i < options.count; i++) await store.submit({ kind: options.kind, params: { filler: i }, subjects: options.subjects });
  } finally {
    await store.close();
  }
}
