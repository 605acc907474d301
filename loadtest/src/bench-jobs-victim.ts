/**
 * The worker process `bench-jobs` kills: runs jobs of JOB_KIND on the store in
 * JOB_TARGET (`{"kind":"sqlite","path"}` or `{"kind":"postgres","url"}`) with
 * a JOB_LEASE_MS lease, prints `running <job id>` when one starts, and then
 * hangs mid-job until it is SIGKILLed.
 */
import { createJobWorker, createSilentLogger, openPostgresJobStore, openSqliteJobStore, type JobStore } from '@l1g1/kit';

type Target = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

async function main(): Promise<void> {
  const target = JSON.parse(process.env['JOB_TARGET'] ?? '') as Target;
  const logger = createSilentLogger();
  const store: JobStore = target.kind === 'sqlite' ? openSqliteJobStore(target.path) : await openPostgresJobStore({ url: target.url, logger });
  createJobWorker({
    store,
    logger,
    leaseMs: Number(process.env['JOB_LEASE_MS'] ?? 2000),
    pollMs: 50,
    handlers: {
      [process.env['JOB_KIND'] ?? '']: async (ctx) => {
        process.stdout.write(`running ${ctx.job.id}\n`);
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
