import type { BlobStore } from '@l1g1/kit';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/** A cached snapshot data file, held open by its reader until `release`. */
export interface SnapshotFileLease {
  readonly path: string;
  release(): void;
}

export interface SnapshotFileCache {
  /** A local copy of the blob (fetched once, checked against its sha256), kept until released. */
  acquire(sha256: string): Promise<SnapshotFileLease>;
  /** Deletes every cached file (service shutdown). */
  clear(): Promise<void>;
}

export interface SnapshotFileCacheOptions {
  blobs: Pick<BlobStore, 'openRead'>;
  /** A directory this cache owns; emptied at creation. */
  dir: string;
  /** Bytes of unleased files kept for the next reader; beyond it, least recently used ones go. */
  maxBytes: number;
}

interface Entry {
  path: string;
  sizeBytes: number;
  leases: number;
  lastUsed: number;
}

/**
 * Local copies of snapshot data files: the Parquet reader needs random access
 * (footer first, then row groups), which an S3 blob does not give, and a read
 * stream resumed by token should not download the file again. Files are
 * content-addressed, so a cached copy never goes stale; the cache is bounded
 * by bytes, and a file in use by a reader is never evicted.
 */
export function createSnapshotFileCache(options: SnapshotFileCacheOptions): SnapshotFileCache {
  // At startup only: copies left by a previous process are dropped (they would be re-fetched on demand).
  rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(options.dir, { recursive: true });
  const entries = new Map<string, Entry>();
  const fetching = new Map<string, Promise<Entry>>();
  let clock = 0;

  async function fetch(sha256: string): Promise<Entry> {
    const path = join(options.dir, `${sha256}.parquet`);
    const part = join(options.dir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    try {
      await pipeline(
        options.blobs.openRead(sha256),
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            done(null, chunk);
          },
        }),
        createWriteStream(part, { flags: 'wx' }),
      );
      if (hash.digest('hex') !== sha256) throw new Error(`snapshot blob ${sha256} does not match its hash`);
      await rename(part, path);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    return { path, sizeBytes: (await stat(path)).size, leases: 0, lastUsed: 0 };
  }

  async function evict(): Promise<void> {
    let total = 0;
    for (const e of entries.values()) if (e.leases === 0) total += e.sizeBytes;
    const idle = [...entries.entries()].filter(([, e]) => e.leases === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [sha, e] of idle) {
      if (total <= options.maxBytes) break;
      entries.delete(sha);
      total -= e.sizeBytes;
      await rm(e.path, { force: true });
    }
  }

  return {
    async acquire(sha256) {
      let entry = entries.get(sha256);
      if (entry === undefined) {
        let pending = fetching.get(sha256);
        if (pending === undefined) {
          pending = fetch(sha256).finally(() => fetching.delete(sha256));
          fetching.set(sha256, pending);
        }
        const fetched = await pending;
        entry = entries.get(sha256) ?? fetched;
        entries.set(sha256, entry);
      }
      const held = entry;
      held.leases++;
      held.lastUsed = ++clock;
      let released = false;
      return {
        path: held.path,
        release() {
          if (released) return;
          released = true;
          held.leases--;
          held.lastUsed = ++clock;
          void evict();
        },
      };
    },
    async clear() {
      entries.clear();
      await rm(options.dir, { recursive: true, force: true });
    },
  };
}
