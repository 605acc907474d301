/**
 * Local copies of snapshot data files, for the Parquet reader, which needs
 * random access (footer first, then row groups) that a blob stream does not
 * give. Files are fetched from the blob store on first use, verified by
 * sha256, and evicted oldest-used first once the cache exceeds its bound;
 * a file being read is never evicted (reference counted).
 */
import type { BlobStore } from '@l1g1/kit';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface CachedFile {
  readonly path: string;
  release(): void;
}

export interface SnapshotFileCache {
  /** A local copy of blob `sha256`, kept until `release`. */
  acquire(sha256: string): Promise<CachedFile>;
}

interface Entry {
  sizeBytes: number;
  users: number;
  lastUsedMs: number;
}

export function createSnapshotFileCache(options: { dir: string; blobs: BlobStore; maxBytes: number }): SnapshotFileCache {
  const { dir, blobs, maxBytes } = options;
  mkdirSync(dir, { recursive: true });
  // Copies left by an earlier process are not tracked: start empty.
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true, recursive: true });
  const entries = new Map<string, Entry>();
  const fetching = new Map<string, Promise<void>>();
  let totalBytes = 0;

  const pathOf = (sha: string): string => join(dir, `${sha}.parquet`);

  async function fetch(sha: string): Promise<void> {
    const tmp = join(dir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    try {
      await pipeline(
        blobs.openRead(sha),
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            done(null, chunk);
          },
        }),
        createWriteStream(tmp, { flags: 'wx' }),
      );
      const got = hash.digest('hex');
      if (got !== sha) throw new Error(`snapshot blob ${sha} read back as ${got}`);
      await rename(tmp, pathOf(sha));
      const { size } = await stat(pathOf(sha));
      entries.set(sha, { sizeBytes: size, users: 0, lastUsedMs: Date.now() });
      totalBytes += size;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  function evict(): void {
    if (totalBytes <= maxBytes) return;
    const idle = [...entries.entries()].filter(([, e]) => e.users === 0).sort(([, a], [, b]) => a.lastUsedMs - b.lastUsedMs);
    for (const [sha, e] of idle) {
      if (totalBytes <= maxBytes) break;
      entries.delete(sha);
      totalBytes -= e.sizeBytes;
      rmSync(pathOf(sha), { force: true });
    }
  }

  return {
    async acquire(sha) {
      if (!entries.has(sha)) {
        let pending = fetching.get(sha);
        if (!pending) {
          pending = fetch(sha).finally(() => fetching.delete(sha));
          fetching.set(sha, pending);
        }
        await pending;
      }
      const entry = entries.get(sha);
      if (!entry) return this.acquire(sha);
      entry.users += 1;
      entry.lastUsedMs = Date.now();
      evict();
      let released = false;
      return {
        path: pathOf(sha),
        release() {
          if (released) return;
          released = true;
          entry.users -= 1;
          entry.lastUsedMs = Date.now();
          evict();
        },
      };
    },
  };
}
