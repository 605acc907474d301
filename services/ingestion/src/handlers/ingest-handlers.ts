/**
 * Ingest (client streaming): header → validated spec; files → spooled to
 * disk (hashed, bounded); a cut stream discards the spool. Then the upload
 * is identified (idempotency key), replayed when already ingested, else run
 * as an `ingestion.ingest` job whose result is the answer.
 */
import { ingestion } from '@l1g1/contracts';
import { actorOf, cancellationSignal, errors, L1g1Error, TERMINAL_JOB_STATES, type AsyncService, type Job } from '@l1g1/kit';
import { spoolUpload, type SpooledUpload } from '../adapters/spool/upload-spool';
import type { IngestionDeps } from '../deps';
import { headerFingerprint, uploadKey } from '../domain/ingest/idempotency';
import { INGEST_JOB_KIND, type IngestJobParams } from '../domain/ingest/ingest-job';
import { ingestSpecFromHeader } from '../domain/ingest/ingest-spec';
import type { UploadGate } from '../domain/ingest/upload-gate';

type Handlers = Pick<AsyncService<ingestion.IngestionServiceService>, 'ingest'>;

const JOB_POLL_MS = 100;

/**
 * Messages of `source` until `signal` aborts, which rejects the pending read
 * (a cut stream may never end), or until no message arrives for `idleMs`: a
 * client that sends a header and then nothing (or a cancel that never reached
 * us) would otherwise hold an upload slot and a spool folder until its own
 * deadline, or for ever without one.
 */
function untilAborted<T>(source: AsyncIterator<T>, signal: AbortSignal, idleMs: number): AsyncIterable<T> {
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => reject(errors.cancelled('the upload stream was cut before it ended; nothing was kept', { reason: 'UPLOAD_CANCELLED' }));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        let timer: NodeJS.Timeout | undefined;
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(errors.cancelled(`the upload sent nothing for ${idleMs} ms; nothing was kept`, { reason: 'UPLOAD_IDLE' })),
            idleMs,
          );
        });
        return Promise.race([source.next(), aborted, idle]).finally(() => clearTimeout(timer));
      },
    }),
  };
}

/**
 * Node ends an HTTP/2 stream's readable side on RST_STREAM too, and grpc-js
 * passes that end on as a half-close before its 'close' handler marks the
 * call cancelled: a cut upload can look complete for a few event-loop turns.
 * Waiting this long for the cancel (seen under load in the tests) tells the
 * two apart before anything is submitted.
 */
const CUT_GRACE_MS = 100;

function cutGrace(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, CUT_GRACE_MS);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createIngestHandlers(deps: IngestionDeps, gate: UploadGate): Handlers {
  // Identical uploads in flight in this process share one job (the key's result is stored when it ends).
  const inFlight = new Map<string, Promise<Job>>();

  async function waitForJob(id: string): Promise<Job> {
    for (;;) {
      const job = await deps.jobs.get(id);
      if (!job) throw errors.internal('the ingest job vanished');
      if (TERMINAL_JOB_STATES.has(job.state)) return job;
      await sleep(JOB_POLL_MS);
    }
  }

  function resultOf(job: Job, replayed: boolean): ingestion.IngestResult {
    if (job.state === 'succeeded') {
      const result = ingestion.IngestResult.fromJSON(job.result);
      return { ...result, replayed: replayed || result.replayed };
    }
    if (job.state === 'cancelled') throw errors.cancelled('the ingest job was cancelled; nothing was published', { reason: 'JOB_CANCELLED' });
    const e = job.error;
    throw new L1g1Error(e?.code ?? 'INTERNAL', e?.message ?? 'the ingest job failed', { reason: e?.code ?? 'INTERNAL' });
  }

  return {
    async ingest(call) {
      const release = gate.enter();
      let spooled: SpooledUpload | undefined;
      try {
        const signal = cancellationSignal(call);
        const messages = call[Symbol.asyncIterator]() as AsyncIterator<ingestion.IngestRequest>;
        const first = await untilAborted(messages, signal, deps.config.uploadIdleMs)[Symbol.asyncIterator]().next();
        const payload = first.done ? undefined : first.value.payload;
        if (payload?.$case !== 'header') throw errors.invalidArgument('header', 'the first message must be the header', { reason: 'HEADER_REQUIRED' });
        const header = payload.value;
        const spec = ingestSpecFromHeader(header);
        spooled = await spoolUpload(header, untilAborted(messages, signal, deps.config.uploadIdleMs), deps.config.spoolDir, {
          maxUploadBytes: deps.config.maxUploadBytes,
          maxFiles: deps.config.maxFiles,
        });
        await cutGrace(signal);
        if (call.cancelled || signal.aborted) throw errors.cancelled('the upload stream was cut before it ended; nothing was kept', { reason: 'UPLOAD_CANCELLED' });
        const files = spooled.files;
        const fingerprint = headerFingerprint(spec.header_json, files);
        const key = uploadKey(header.idempotencyKey, spec.dataset, fingerprint, files.map((f) => f.sha256));
        const earlier = await deps.store.getUpload(key);
        if (earlier) {
          await spooled.discard();
          if (earlier.headerFingerprint !== fingerprint) {
            throw errors.alreadyExists(`an upload with idempotency_key ${header.idempotencyKey} and other options`, {
              reason: 'IDEMPOTENCY_KEY_REUSED',
              field: 'header.idempotency_key',
            });
          }
          return { ...ingestion.IngestResult.fromJSON(earlier.result), replayed: true };
        }
        const running = inFlight.get(key);
        if (running) {
          await spooled.discard();
          return resultOf(await running, true);
        }
        const params: IngestJobParams = {
          spec,
          spool_dir: spooled.dir,
          files: files.map((f) => ({ name: f.name, path: f.path, sha256: f.sha256, size_bytes: f.sizeBytes, format: f.format, record_metadata: f.recordMetadata })),
          upload_key: key,
          header_fingerprint: fingerprint,
          created_by: actorOf(call.metadata),
        };
        // One attempt: the spool is local to this process and a parse that failed once fails again.
        // The params are JSON by construction (strings, numbers, plain objects).
        const { job } = await deps.jobs.submit({ kind: INGEST_JOB_KIND, params: params as unknown as Parameters<typeof deps.jobs.submit>[0]['params'], maxAttempts: 1 });
        spooled = undefined; // The job owns the spool now.
        const done = waitForJob(job.id);
        inFlight.set(key, done);
        try {
          return resultOf(await done, false);
        } finally {
          inFlight.delete(key);
        }
      } finally {
        await spooled?.discard();
        release();
      }
    },
  };
}
