/**
 * DownloadSnapshot: a snapshot's Parquet file, byte for byte as published,
 * streamed from the blob store in chunks of at most 1 MiB, each written only
 * when the client took the previous ones (backpressure). The first chunk
 * carries the file's size, sha256 and the resolved version, so a client (the
 * gateway) can answer headers before any byte arrives.
 */
import type { ingestion } from '@l1g1/contracts';
import { cancellationSignal, errors, writeWithBackpressure, type AsyncService, type BlobStore } from '@l1g1/kit';
import type { SnapshotRow } from '../domain/ports';
import type { SnapshotRef } from '../domain/snapshot/stored-record';
import { checkRef } from './mappers';

type Handlers = AsyncService<ingestion.IngestionServiceService>;
export type DownloadHandlers = Pick<Handlers, 'downloadSnapshot'>;

/** The largest `data` of one chunk message (well under gRPC's 4 MiB default message limit). */
export const MAX_DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

/** What the handler needs: the snapshot rows (`deps.snapshots.open`) and the blob store holding the files. */
export interface DownloadDeps {
  snapshots: { open(ref: SnapshotRef): Promise<{ info: SnapshotRow }> };
  blobs: Pick<BlobStore, 'stat' | 'openRead'>;
}

export function createDownloadHandlers(deps: DownloadDeps): DownloadHandlers {
  return {
    async downloadSnapshot(req, call) {
      const signal = cancellationSignal(call);
      const ref = checkRef(req.snapshot, 'snapshot');
      if (!Number.isSafeInteger(req.offset) || req.offset < 0) throw errors.invalidArgument('offset', `must be >= 0, got ${req.offset}`);
      if (!Number.isSafeInteger(req.length) || req.length < 0) throw errors.invalidArgument('length', `must be >= 0 (0: to the end), got ${req.length}`);
      // NOT_FOUND naming the dataset / version comes from the source.
      const { info } = await deps.snapshots.open(ref);
      const blob = await deps.blobs.stat(info.dataSha256);
      // A row whose file is gone is our fault, not the client's: INTERNAL, the detail stays in the log.
      if (!blob) throw errors.internal(`snapshot data file missing for ${info.dataset} v${info.version}`);
      const size = blob.sizeBytes;
      if (req.offset > 0 && req.offset >= size) {
        throw errors.invalidArgument('offset', `${req.offset} is beyond the snapshot file's ${size} bytes`, { reason: 'RANGE_NOT_SATISFIABLE' });
      }
      if (req.length > 0 && req.offset + req.length > size) {
        throw errors.invalidArgument('length', `offset ${req.offset} + length ${req.length} runs past the snapshot file's ${size} bytes`, {
          reason: 'RANGE_NOT_SATISFIABLE',
        });
      }
      const start = req.offset;
      const end = req.length > 0 ? start + req.length : size; // exclusive
      const head = { totalSize: size, sha256: info.dataSha256, version: info.version };
      let first = true;
      const send = async (data: Buffer): Promise<void> => {
        await writeWithBackpressure(call, first ? { data, ...head } : { data, totalSize: 0, sha256: '', version: 0 }, signal);
        first = false;
      };
      const stream = deps.blobs.openRead(info.dataSha256, { highWaterMark: MAX_DOWNLOAD_CHUNK_BYTES });
      try {
        // The blob store reads sequentially (files or S3), so a range skips
        // the bytes before its start rather than seeking.
        let pos = 0; // of the next chunk's first byte in the file
        for await (const raw of stream as AsyncIterable<Buffer>) {
          if (signal.aborted) return;
          const from = Math.max(start - pos, 0);
          const to = Math.min(end - pos, raw.length);
          pos += raw.length;
          for (let at = from; at < to; at += MAX_DOWNLOAD_CHUNK_BYTES) {
            await send(raw.subarray(at, Math.min(at + MAX_DOWNLOAD_CHUNK_BYTES, to)));
          }
          if (pos >= end) break;
        }
      } finally {
        stream.destroy();
      }
      // An empty file (or range) still answers one chunk carrying the size and sha256.
      if (first && !signal.aborted) await send(Buffer.alloc(0));
    },
  };
}
