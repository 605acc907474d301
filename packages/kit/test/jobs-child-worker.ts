/**
 * A job worker in its own process, for the SIGKILL test: runs JOB_KIND jobs,
 * checkpointing each step, prints `checkpointed <n>` after step
 * JOB_STOP_AFTER_STEP and then hangs mid-job until the test kills it.
 */
import { createJobWorker, createSilentLogger, openPostgresJobStore, openSqliteJobStore, type JobStore } from '@l1g1/kit';
import type { JobStoreTarget } from './jobs-contract';

async function main(): Promise<void> {
  const target = JSON.parse(process.env['JOB_TARGET'] ?? '') as JobStoreTarget;
  const kind = process.env['JOB_KIND'] ?? '';
  const stopAfter = Number(process.env['JOB_STOP_AFTER_STEP']);
  const logger = createSilentLogger();
  const store: JobStore = target.kind === 'sqlite' ? openSqliteJobStore(target.path) : await openPostgresJobStore({ url: target.url, logger });
  createJobWorker({
    store,
    logger,
    // Short lease: the survivor may take over soon after the kill.
    leaseMs: 1500,
    pollMs: 100,
    handlers: {
      [kind]: async (ctx) => {
        const from = (ctx.checkpoint?.state as { step: number } | undefined)?.step ?? 0;
        for (let step = from + 1; step <= stopAfter; step++) await ctx.saveCheckpoint({ step });
        process.stdout.write(`checkpointed ${stopAfter}\n`);
        await new Promise(() => undefined);
        return null;
      },
    },
  }).start();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
