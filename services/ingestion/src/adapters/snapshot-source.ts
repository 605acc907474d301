/**
 * Readers' access to published snapshots (`deps.snapshots`): resolves a
 * reference (version 0 = the latest) to its row, and reads its records from
 * a local copy of the Parquet file (snapshot-file-cache), held only while a
 * read is in progress.
 */
import { errors, type BlobStore } from '@l1g1/kit';
import type { IngestionStore, SnapshotRow } from '../domain/ports';
import type { SnapshotRef, StoredRecord } from '../domain/snapshot/stored-record';
import { openSnapshotParquet, type SnapshotRow as FileRow, type SnapshotRowOptions } from './parquet/snapshot-reader';
import type { SnapshotFileCache } from './snapshot-file-cache';

export interface OpenedSnapshot {
  /** The snapshot's row (its version resolved). */
  readonly info: SnapshotRow;
  readonly ref: SnapshotRef;
  readonly recordCount: number;
  /** Rows [fromRow, toRow) in id order, with their row index (resume positions). */
  rows(fromRow?: number, toRow?: number, opts?: SnapshotRowOptions): AsyncIterable<FileRow>;
  /** Records from `fromRow` on, in id order. */
  records(fromRow?: number): AsyncIterable<StoredRecord>;
}

export interface SnapshotSource {
  /** NOT_FOUND (naming the dataset and version) when there is no such snapshot. */
  open(ref: SnapshotRef): Promise<OpenedSnapshot>;
  /** The manifest JSON of a snapshot (sources, cleaning config and report, upload report). */
  manifest(info: SnapshotRow): Promise<Record<string, unknown>>;
}

/** Manifests are small JSON; a larger blob under a manifest's key is not one. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export function createSnapshotSource(options: { store: IngestionStore; blobs: BlobStore; cache: SnapshotFileCache }): SnapshotSource {
  const { store, blobs, cache } = options;
  return {
    async open(ref) {
      const info = await store.getSnapshot(ref.dataset, ref.version);
      if (!info) {
        const what = ref.version === 0 ? `dataset ${ref.dataset} (no snapshot yet)` : `snapshot ${ref.dataset} version ${ref.version}`;
        throw errors.notFound(what, { reason: ref.version === 0 ? 'DATASET_NOT_FOUND' : 'SNAPSHOT_NOT_FOUND' });
      }
      const rows = (fromRow = 0, toRow = info.recordCount, opts: SnapshotRowOptions = {}): AsyncIterable<FileRow> => ({
        async *[Symbol.asyncIterator]() {
          const local = await cache.acquire(info.dataSha256);
          try {
            const file = await openSnapshotParquet(local.path);
            yield* file.rows(fromRow, toRow, opts);
          } finally {
            local.release();
          }
        },
      });
      return {
        info,
        ref: { dataset: info.dataset, version: info.version },
        recordCount: info.recordCount,
        rows,
        records: (fromRow = 0) => ({
          async *[Symbol.asyncIterator]() {
            for await (const { record } of rows(fromRow)) yield record;
          },
        }),
      };
    },
    async manifest(info) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of blobs.openRead(info.manifestSha256)) {
        size += (chunk as Buffer).length;
        if (size > MAX_MANIFEST_BYTES) throw errors.internal('snapshot manifest is larger than a manifest can be');
        chunks.push(chunk as Buffer);
      }
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    },
  };
}
