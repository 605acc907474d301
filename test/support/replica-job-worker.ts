/**
 * A job worker replica as its own process, for test/replicas.test.ts: kit's
 * job runtime on the PostgreSQL queue named by L1G1_DATABASE_URL, running one
 * tiny job kind (REPLICA_JOB_KIND) of `steps` checkpointed steps.
 *
 * It reports what it does as JSON lines on stdout (pipes are written
 * synchronously on Linux, so a SIGKILL loses no line already printed):
 *   {"event":"ready","worker":W}
 *   {"event":"step","job":ID,"step":N,"attempt":A,"worker":W}          (before step N runs)
 *   {"event":"checkpointed","job":ID,"step":N,"attempt":A,"worker":W}  (after its checkpoint committed)
 *   {"event":"hanging","job":ID,...}  (params.hang_after_step on a first attempt: waits to be killed)
 *
 * SIGTERM stops the worker gracefully (running jobs are given back).
 */
import { createJobWorker, createSilentLogger, openPostgresJobStore, type JobContext, type JsonValue } from '@l1g1/kit';

interface StepJobParams {
  steps: number;
  step_ms: number;
  /** On attempt 1 only: after checkpointing this step, hang until killed. */
  hang_after_step?: number;
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
}

const say = (fields: Record<string, JsonValue>): void => {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
};

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

async function main(): Promise<void> {
  const url = required('L1G1_DATABASE_URL');
  const kind = required('REPLICA_JOB_KIND');
  const worker = required('REPLICA_WORKER_NAME');
  const leaseMs = Number(process.env['REPLICA_LEASE_MS'] ?? '5000');
  const logger = createSilentLogger();
  const store = await openPostgresJobStore({ url, logger });

  const runSteps = async (ctx: JobContext): Promise<JsonValue> => {
    const params = ctx.params as unknown as StepJobParams;
    const from = (ctx.checkpoint?.state as { step?: number } | null | undefined)?.step ?? 0;
    const base = { job: ctx.job.id, attempt: ctx.attempt, worker };
    for (let step = from + 1; step <= params.steps; step++) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      say({ event: 'step', step, ...base });
      await sleep(params.step_ms, ctx.signal);
      await ctx.saveCheckpoint({ step });
      say({ event: 'checkpointed', step, ...base });
      if (ctx.attempt === 1 && params.hang_after_step === step) {
        say({ event: 'hanging', step, ...base });
        await new Promise(() => undefined);
      }
    }
    return { worker, attempt: ctx.attempt, resumed_from: from };
  };

  const jobs = createJobWorker({
    store,
    logger,
    workerId: worker,
    leaseMs,
    pollMs: 100,
    concurrency: Number(process.env['REPLICA_CONCURRENCY'] ?? '1'),
    handlers: { [kind]: runSteps },
  });
  jobs.start();
  say({ event: 'ready', worker });
  process.once('SIGTERM', () => {
    void jobs
      .stop()
      .then(() => store.close())
      .finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
