/**
 * Publishes a snapshot (issue 7, decision 1): the records go through the
 * Parquet writer into one file, the file and then the manifest go into the
 * blob store under their sha256, and the row is inserted in one transaction
 * with the dataset's next version: that insert is the moment the snapshot
 * becomes visible. A failure or a cancel at any point before it leaves no
 * row (blobs already stored are harmless: content-addressed, unreferenced).
 */
import { errors, L1g1Error, type BlobStore, type JsonValue, type Logger } from '@l1g1/kit';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestionStore, SnapshotRow } from '../domain/ports';
import type { SnapshotRef, StoredRecord } from '../domain/snapshot/stored-record';
import { openSnapshotParquet } from './parquet/snapshot-reader';
import { writeSnapshotParquet } from './parquet/snapshot-writer';

/** What a snapshot is made of besides its records. */
export interface PublishInput {
  dataset: string;
  /** upload, derive, align, confidence_filter, label_export. */
  origin: string;
  jobId: string;
  parents: SnapshotRef[];
  description: string;
  tags: Record<string, string>;
  createdBy: string;
  /** IngestCounts as snake_case JSON. */
  counts: { [key: string]: JsonValue };
  /** The cleaning configuration applied (snake_case JSON). */
  cleaning: JsonValue;
  /** Per-step cleaning report (what each step dropped or changed). */
  cleaningReport: JsonValue;
  /** Per-file upload report (files, rows, errors). */
  uploadReport: JsonValue;
  /** SourceFile entries (name, format, sha256, size_bytes, rows_kept). */
  sources: JsonValue[];
  /** Checked before the row is inserted: a cancelled job never publishes. */
  signal?: AbortSignal;
  /**
   * Called once every record has been written, for what is known only then
   * (an upload's counts and reports); its fields replace those above.
   */
  late?: () => Promise<Partial<Pick<PublishInput, 'counts' | 'cleaningReport' | 'uploadReport' | 'sources'>>>;
}

export interface SnapshotPublisher {
  publish(input: PublishInput, records: AsyncIterable<StoredRecord>): Promise<SnapshotRow>;
}

export interface SnapshotPublisherOptions {
  store: IngestionStore;
  blobs: BlobStore;
  /** Where the Parquet file is written before it goes into the blob store (and DuckDB spills). */
  workDir: string;
  /** Epsilon budget of a dataset created by its first snapshot. */
  dpBudgetTotal: number;
  logger: Logger;
  nowMs?: () => number;
}

/** Largest blob the publisher stores (a Parquet file or a manifest). */
const MAX_BLOB_BYTES = Number.MAX_SAFE_INTEGER;
/** Publishers racing for a dataset's next version retry this many times. */
const MAX_VERSION_ATTEMPTS = 5;

export const MANIFEST_FORMAT = 'l1g1.snapshot.manifest/v1';

export function createSnapshotPublisher(options: SnapshotPublisherOptions): SnapshotPublisher {
  const { store, blobs, workDir } = options;
  const nowMs = options.nowMs ?? Date.now;

  async function putFile(path: string): Promise<string> {
    const writer = blobs.begin({ maxBytes: MAX_BLOB_BYTES });
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) await writer.write(chunk as Buffer);
      return (await writer.commit()).sha256;
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  async function putBytes(bytes: Buffer): Promise<string> {
    const writer = blobs.begin({ maxBytes: MAX_BLOB_BYTES });
    try {
      await writer.write(bytes);
      return (await writer.commit()).sha256;
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  return {
    async publish(given, records) {
      let input = given;
      const checkCancel = (): void => {
        if (input.signal?.aborted) throw errors.cancelled('the job was cancelled; no snapshot was published', { reason: 'JOB_CANCELLED' });
      };
      await mkdir(workDir, { recursive: true });
      const work = join(workDir, `publish-${randomUUID()}`);
      await mkdir(work);
      try {
        const dataPath = join(work, 'data.parquet');
        const written = await writeSnapshotParquet(records, dataPath, { tempDir: work });
        checkCancel();
        if (given.late) input = { ...given, ...(await given.late()) };
        const summary = await summarise(dataPath);
        const dataSha256 = await putFile(dataPath);
        for (let attempt = 1; ; attempt++) {
          checkCancel();
          const version = ((await store.getDataset(input.dataset))?.latestVersion ?? 0) + 1;
          const createdAtMs = nowMs();
          const manifest = {
            format: MANIFEST_FORMAT,
            dataset: input.dataset,
            version,
            parents: input.parents.map((p) => ({ dataset: p.dataset, version: p.version })),
            origin: input.origin,
            job_id: input.jobId,
            description: input.description,
            tags: input.tags,
            counts: input.counts,
            cleaning: input.cleaning,
            cleaning_report: input.cleaningReport,
            upload_report: input.uploadReport,
            sources: input.sources,
            content_types: summary.contentTypes,
            metadata_keys: summary.metadataKeys,
            splits: summary.splits,
            data_sha256: dataSha256,
            size_bytes: written.sizeBytes,
            record_count: written.recordCount,
            content_sha256: written.contentSha256,
            created_at: new Date(createdAtMs).toISOString(),
            created_by: input.createdBy,
          };
          const manifestSha256 = await putBytes(Buffer.from(JSON.stringify(manifest)));
          checkCancel();
          try {
            return await store.insertSnapshot(
              {
                dataset: input.dataset,
                manifestSha256,
                dataSha256,
                recordCount: written.recordCount,
                sizeBytes: written.sizeBytes,
                contentSha256: written.contentSha256,
                origin: input.origin,
                jobId: input.jobId,
                description: input.description,
                tags: input.tags,
                counts: input.counts,
                splits: summary.splits,
                contentTypes: summary.contentTypes,
                metadataKeys: summary.metadataKeys,
                parents: input.parents,
                createdBy: input.createdBy,
              },
              { nowMs: createdAtMs, dpBudgetTotal: options.dpBudgetTotal, expectVersion: version },
            );
          } catch (err) {
            const raced = err instanceof L1g1Error && err.reason === 'SNAPSHOT_VERSION_TAKEN';
            if (!raced || attempt >= MAX_VERSION_ATTEMPTS) throw err;
          }
        }
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

interface Summary {
  contentTypes: Record<string, number>;
  metadataKeys: Record<string, number>;
  splits: Record<string, number>;
}

/** Counts by content type, metadata key and split, read back from the written file (metadata only). */
async function summarise(path: string): Promise<Summary> {
  const file = await openSnapshotParquet(path);
  const out: Summary = { contentTypes: {}, metadataKeys: {}, splits: {} };
  const bump = (m: Record<string, number>, k: string): void => {
    m[k] = (m[k] ?? 0) + 1;
  };
  for await (const { record } of file.rows(0, file.recordCount, { metadataOnly: true })) {
    bump(out.contentTypes, record.contentType);
    for (const key of Object.keys(record.metadata)) bump(out.metadataKeys, key);
    const split = record.metadata['split'];
    if (split !== undefined) bump(out.splits, split);
  }
  return out;
}
