/**
 * Ingest (client streaming): header → validated spec; files → spooled to
 * disk (hashed, bounded); a cut stream discards the spool. Then the upload
 * is identified (idempotency key), replayed when already ingested, else run
 * as an `ingestion.ingest` job whose result is the answer.
 */
import { ingestion } from '@l1g1/contracts';
import { actorOf, cancellationSignal, errors, L1g1Error, TERMINAL_JOB_STATES, type AsyncService, type Job, type JsonValue } from '@l1g1/kit';
import { writeUploadManifest } from '../adapters/spool/upload-manifest';
import { spoolUpload, type SpooledUpload } from '../adapters/spool/upload-spool';
import type { IngestionDeps } from '../deps';
import { headerFingerprint, uploadKey } from '../domain/ingest/idempotency';
import { INGEST_JOB_KIND, type IngestJobParams } from '../domain/ingest/ingest-job';
import { ingestSpecFromHeader } from '../domain/ingest/ingest-spec';
import type { UploadGate } from '../domain/ingest/upload-gate';
import { ingestionJobSubjects } from './mappers';

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
 * Correctness no longer depends on this wait (a cancel at any time before
 * the snapshot row is inserted cancels the job, see shareJob); it only keeps
 * a cut upload from becoming a job at all, so ListJobs never shows one.
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

/** A job that identical uploads in flight share: cancelled only when every call waiting on it was cut. */
interface SharedJob {
  /** The job's end, or CANCELLED as soon as `signal` (this call's) aborts. */
  wait(signal: AbortSignal): Promise<Job>;
}

export function createIngestHandlers(deps: IngestionDeps, gate: UploadGate): Handlers {
  // Identical uploads in flight in this process share one job (the key's result is stored when it ends).
  const inFlight = new Map<string, SharedJob>();

  /**
   * A cut call stops waiting at once; the last one cut cancels the job
   * (its signal aborts synchronously in this process, see the runner), so a
   * call cancelled at any time before the snapshot row is inserted publishes
   * nothing. After the insert the snapshot stays, and the same upload again
   * replays its result.
   */
  function shareJob(jobId: string, done: Promise<Job>, forget: () => void, discardSpool: () => Promise<void>): SharedJob {
    let waiters = 0;
    // A job cancelled before a worker claimed it never runs, so its own cleanup never deletes the spool.
    const discardIfNeverRan = async (job: Job | undefined): Promise<void> => {
      if (job?.state === 'cancelled' && job.attempts === 0) await discardSpool();
    };
    void done.then(discardIfNeverRan, () => undefined).catch((err: unknown) => deps.logger.warn({ err, jobId }, 'could not delete the spool of a cancelled upload'));
    void done.finally(forget).catch(() => undefined);
    return {
      async wait(signal) {
        waiters += 1;
        let onAbort: (() => void) | undefined;
        const cut = new Promise<never>((_, reject) => {
          onAbort = () => {
            waiters -= 1;
            if (waiters === 0) {
              void deps.worker
                .cancel(jobId)
                .then(discardIfNeverRan)
                .catch((err: unknown) => deps.logger.warn({ err, jobId }, 'could not cancel the ingest job of a cut upload'));
            }
            reject(errors.cancelled('the upload was cancelled; nothing was published', { reason: 'UPLOAD_CANCELLED' }));
          };
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        });
        cut.catch(() => undefined);
        try {
          const job = await Promise.race([done, cut]);
          waiters -= 1;
          return job;
        } finally {
          if (onAbort) signal.removeEventListener('abort', onAbort);
        }
      },
    };
  }

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
          return resultOf(await running.wait(signal), true);
        }
        // The file list goes into the spool, next to the files: only its reference fits the job's params.
        const manifest = await writeUploadManifest(spooled.dir, {
          spec,
          files: files.map((f) => ({ name: f.name, path: f.path, sha256: f.sha256, size_bytes: f.sizeBytes, format: f.format, record_metadata: f.recordMetadata })),
        });
        const params: IngestJobParams = {
          dataset: spec.dataset,
          spool_dir: spooled.dir,
          manifest,
          upload_key: key,
          header_fingerprint: fingerprint,
          created_by: actorOf(call.metadata),
        };
        // One attempt: the spool is local to this process and a parse that failed once fails again.
        // The params are JSON by construction (strings, numbers, plain objects).
        const { job } = await deps.jobs.submit({ kind: INGEST_JOB_KIND, params: params as unknown as JsonValue, subjects: ingestionJobSubjects(INGEST_JOB_KIND, params as unknown as JsonValue), maxAttempts: 1 });
        const owned = spooled;
        spooled = undefined; // The job owns the spool now (unless it is cancelled before it runs).
        const shared = shareJob(job.id, waitForJob(job.id), () => inFlight.delete(key), () => owned.discard());
        inFlight.set(key, shared);
        return resultOf(await shared.wait(signal), false);
      } finally {
        await spooled?.discard();
        release();
      }
    },
  };
}
