/**
 * The `ingestion.ingest` job: one spooled upload parsed and cleaned in a
 * worker thread, merged with its base snapshot for APPEND, published as the
 * dataset's next snapshot, and its result recorded under the upload's key
 * (so an identical upload replays it). The spool folder is deleted when the
 * attempt ends, whatever the outcome.
 */
import { ingestion } from '@l1g1/contracts';
import { errors, type JobContext, type JobHandler, type JsonValue } from '@l1g1/kit';
import { rm } from 'node:fs/promises';
import type { IngestionStore } from '../ports';
import type { SnapshotRef, StoredRecord } from '../snapshot/stored-record';
import type { IngestSpec } from './ingest-spec';
import { ingestCounts } from './ingest-counts';

export const INGEST_JOB_KIND = 'ingestion.ingest';

export interface IngestJobFile {
  name: string;
  path: string;
  sha256: string;
  size_bytes: number;
  format: string;
  record_metadata: Record<string, string>;
}

/** What an upload's manifest holds (written next to its spooled files; see adapters/spool/upload-manifest). */
export interface UploadManifest {
  spec: IngestSpec;
  files: IngestJobFile[];
}

/** Where the job finds its manifest in the spool folder, and the hash it must have. */
export interface UploadManifestRef {
  name: string;
  sha256: string;
  /** Files and bytes of the upload (progress, listing), so the params stay readable without the manifest. */
  files: number;
  bytes: number;
}

/**
 * The job's params (JSON). The spec and the file list live in the spool's
 * manifest, not here: job params are capped (256 KiB) and an upload may list
 * 100,000 files.
 */
export interface IngestJobParams {
  /** The upload's dataset (ListJobs filters on it). */
  dataset: string;
  spool_dir: string;
  manifest: UploadManifestRef;
  upload_key: string;
  header_fingerprint: string;
  created_by: string;
}

/** What the worker thread reports (see worker/ingest-protocol's WorkerSummary). */
export interface IngestSummary {
  rowsRead: number;
  rowsKept: number;
  droppedBy: Record<string, number>;
  rowsRedacted: number;
  redactionsByKind: Record<string, number>;
  errors: { file: string; row: number; byteOffset: number; reason: string; message: string }[];
  filesOk: number;
  filesFailed: number;
  uploadReport: JsonValue;
  cleaningReport: JsonValue;
  keptByFile: Record<string, number>;
}

/** The ports the job needs (structural: the composition passes the real ones). */
export interface IngestJobDeps {
  /** Reads and checks the upload's manifest in its spool folder. */
  readManifest(spoolDir: string, ref: UploadManifestRef): Promise<UploadManifest>;
  store: Pick<IngestionStore, 'getUpload' | 'putUpload'>;
  snapshots: {
    open(ref: SnapshotRef): Promise<{ ref: SnapshotRef; rows(from?: number, to?: number, o?: { metadataOnly?: boolean }): AsyncIterable<{ record: StoredRecord }>; records(): AsyncIterable<StoredRecord> }>;
  };
  publisher: {
    publish(
      input: {
        dataset: string;
        origin: string;
        jobId: string;
        parents: SnapshotRef[];
        description: string;
        tags: Record<string, string>;
        createdBy: string;
        counts: { [key: string]: JsonValue };
        cleaning: JsonValue;
        cleaningReport: JsonValue;
        uploadReport: JsonValue;
        sources: JsonValue[];
        signal?: AbortSignal;
        late?: () => Promise<{ counts?: { [key: string]: JsonValue }; cleaningReport?: JsonValue; uploadReport?: JsonValue; sources?: JsonValue[] }>;
      },
      records: AsyncIterable<StoredRecord>,
    ): Promise<{ dataset: string; version: number }>;
  };
  /** Starts the parse + clean of the files (a worker thread in production). */
  runThread(
    input: { spec: IngestSpec; files: { name: string; path: string; sizeBytes: number; format: string; recordMetadata: Record<string, string> }[]; knownIds: string[] },
    options: { signal: AbortSignal; onProgress(counters: Record<string, number>): void },
  ): { records: AsyncIterable<StoredRecord>; summary: Promise<IngestSummary> };
  nowMs?: () => number;
}

const MAX_ERRORS_LISTED = 1000;
/**
 * The result is stored as the job's result and the upload's replay, both
 * capped (256 KiB of JSON in the kit job store): the error list stops here,
 * flagged `errors_truncated`, whatever the messages' lengths.
 */
const MAX_ERRORS_JSON_BYTES = 128 * 1024;

/** The first errors that fit both bounds. */
function listedErrors<E>(all: readonly E[]): E[] {
  const out: E[] = [];
  let bytes = 0;
  for (const e of all) {
    if (out.length >= MAX_ERRORS_LISTED) break;
    bytes += Buffer.byteLength(JSON.stringify(e)) + 1;
    if (bytes > MAX_ERRORS_JSON_BYTES) break;
    out.push(e);
  }
  return out;
}

export function createIngestJobHandler(deps: IngestJobDeps): JobHandler {
  const nowMs = deps.nowMs ?? Date.now;
  return async (ctx: JobContext) => {
    const started = nowMs();
    // Written by the Ingest handler from a validated header.
    const params = ctx.params as unknown as IngestJobParams;
    try {
      const earlier = await deps.store.getUpload(params.upload_key);
      if (earlier) return earlier.result;
      const { spec, files } = await deps.readManifest(params.spool_dir, params.manifest);
      let base: Awaited<ReturnType<IngestJobDeps['snapshots']['open']>> | undefined;
      if (spec.write_mode === 'append') {
        try {
          base = await deps.snapshots.open({ dataset: spec.dataset, version: spec.base_snapshot });
        } catch (err) {
          // APPEND to a dataset without snapshots (base 0) starts it; a named base must exist.
          if (spec.base_snapshot !== 0) throw err;
        }
      }
      const knownIds: string[] = [];
      if (base && spec.cleaning.dedupe_against_base) {
        for await (const { record } of base.rows(undefined, undefined, { metadataOnly: true })) knownIds.push(record.id);
      }
      let lastProgress = Promise.resolve();
      const thread = deps.runThread(
        {
          spec,
          files: files.map((f) => ({ name: f.name, path: f.path, sizeBytes: f.size_bytes, format: f.format, recordMetadata: f.record_metadata })),
          knownIds,
        },
        {
          signal: ctx.signal,
          onProgress(counters) {
            const total = params.manifest.bytes;
            const fraction = total > 0 ? Math.min(1, (counters['bytes_read'] ?? 0) / total) : 0;
            lastProgress = lastProgress.then(() => ctx.progress({ fraction, counters }).catch(() => undefined));
          },
        },
      );
      const baseRecords = base;
      const records = (async function* () {
        if (baseRecords) yield* baseRecords.records();
        yield* thread.records;
      })();
      let summary: IngestSummary | undefined;
      // Known only once the last record is written (late): an upload whose every file failed publishes nothing.
      const nothingToPublish = new Error('every file of the upload failed');
      const published = await deps.publisher.publish(
        {
          dataset: spec.dataset,
          origin: 'upload',
          jobId: ctx.job.id,
          parents: base ? [base.ref] : [],
          description: spec.description,
          tags: spec.tags,
          createdBy: params.created_by,
          counts: {},
          cleaning: spec.cleaning as unknown as JsonValue,
          cleaningReport: null,
          uploadReport: null,
          sources: [],
          signal: ctx.signal,
          late: async () => {
            summary = await thread.summary;
            const s = summary;
            if (s.filesOk === 0 && s.filesFailed > 0) throw nothingToPublish;
            return {
              counts: ingestCounts(s, { filesRead: files.length, bytesRead: files.reduce((n, f) => n + f.size_bytes, 0) }) as unknown as { [key: string]: JsonValue },
              cleaningReport: s.cleaningReport,
              uploadReport: s.uploadReport,
              sources: files.map((f) => ({
                name: f.name,
                format: f.format,
                sha256: f.sha256,
                size_bytes: f.size_bytes,
                rows_kept: s.keptByFile[f.name] ?? 0,
              })),
            };
          },
        },
        records,
      ).catch((err: unknown) => {
        if (err === nothingToPublish) return undefined;
        throw err;
      });
      await lastProgress;
      const s = summary ?? (await thread.summary);
      const listed = listedErrors(s.errors);
      const counts = ingestCounts(s, { filesRead: files.length, bytesRead: files.reduce((n, f) => n + f.size_bytes, 0) });
      // The throttled reports stop short of the end: the job's last progress is the final figures.
      await ctx
        .progress({
          fraction: 1,
          counters: { bytes_read: counts.bytes_read, files_read: counts.files_read, rows_read: counts.rows_read, rows_kept: counts.rows_kept, rows_failed: counts.rows_failed },
        })
        .catch(() => undefined);
      const result: ingestion.IngestResult = {
        // No snapshot when every file failed: the errors say why.
        snapshot: published ? { name: published.dataset, snapshot: published.version } : undefined,
        counts: {
          filesRead: counts.files_read,
          bytesRead: counts.bytes_read,
          rowsRead: counts.rows_read,
          rowsKept: counts.rows_kept,
          exactDuplicates: counts.exact_duplicates,
          nearDuplicates: counts.near_duplicates,
          filteredLength: counts.filtered_length,
          filteredLanguage: counts.filtered_language,
          rowsRedacted: counts.rows_redacted,
          redactionsByKind: counts.redactions_by_kind,
          rowsFailed: counts.rows_failed,
        },
        errors: listed,
        errorsTruncated: s.errors.length > listed.length || s.filesFailed > s.errors.length,
        replayed: false,
        durationMs: nowMs() - started,
      };
      const json = ingestion.IngestResult.toJSON(result) as JsonValue;
      // Nothing published, nothing to replay: the same files again are parsed again (and fail again, or not, under other limits).
      if (!published) return json;
      const stored = await deps.store.putUpload({
        key: params.upload_key,
        headerFingerprint: params.header_fingerprint,
        dataset: spec.dataset,
        result: json,
        createdAtMs: nowMs(),
      });
      return stored.result;
    } catch (err) {
      if (ctx.signal.aborted) throw errors.cancelled('the ingest job was cancelled; nothing was published', { reason: 'JOB_CANCELLED', cause: err });
      throw err;
    } finally {
      await rm(params.spool_dir, { recursive: true, force: true });
    }
  };
}
