import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, type WriteStream } from 'node:fs';
import { rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { errors } from './errors';

export interface BlobInfo {
  sha256: string;
  sizeBytes: number;
  /** Logical location (`l1g1://blobs/sha256/<hex>`): never a host path. */
  uri: string;
}

/** An upload whose bytes are all written and hashed, not yet published. */
export interface SealedBlob {
  sha256: string;
  sizeBytes: number;
  /**
   * A local file holding exactly the bytes, readable until `commit` or
   * `abort`: checks that need the whole artifact read it from here instead of
   * the caller keeping the bytes in memory. Internal: never send it to a client.
   */
  localPath: string;
}

/** Scheme and prefix of logical blob URIs. */
export const BLOB_URI_PREFIX = 'l1g1://blobs/sha256/';

/** The logical URI of a blob: the same whichever store holds it. */
export function blobUri(sha256: string): string {
  return `${BLOB_URI_PREFIX}${checkKey(sha256)}`;
}

/**
 * The sha256 a blob URI names, or undefined when it names none. Accepts the
 * logical form and, for rows written before URIs were logical, the old
 * `file://.../sha256/ab/<hex>` form (only the hash is used, never the path).
 */
export function blobUriSha256(uri: string): string | undefined {
  if (uri.startsWith(BLOB_URI_PREFIX)) {
    const sha = uri.slice(BLOB_URI_PREFIX.length);
    return SHA256_HEX.test(sha) ? sha : undefined;
  }
  const legacy = /^file:\/\/.*\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(uri);
  return legacy?.[1];
}

/** An upload in progress; nothing is visible until `commit` succeeds. */
export interface BlobWriter {
  readonly bytesWritten: number;
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Ends writing and returns the hash (computed once, while writing) and a
   * local file to inspect; `commit` or `abort` follows. Idempotent.
   */
  seal(): Promise<SealedBlob>;
  /** Verifies the optional expectations, then publishes the blob atomically (sealing first if needed). */
  commit(expect?: { sha256?: string; sizeBytes?: number }): Promise<BlobInfo>;
  /** Discards everything written; safe to call more than once. */
  abort(): Promise<void>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Content-addressed blob storage: a blob's key is its sha256, so identical
 * artifacts are stored once and a key can never name a path outside the root.
 */
export interface BlobStore {
  begin(options: { maxBytes: number }): BlobWriter;
  stat(sha256: string): Promise<BlobInfo | undefined>;
  openRead(sha256: string, options?: { highWaterMark?: number }): Readable;
  delete(sha256: string): Promise<void>;
  /** The blob's logical URI (see `blobUri`). */
  uriOf(sha256: string): string;
}


function checkKey(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw errors.invalidArgument('sha256', 'must be 64 lowercase hex characters');
  return sha256;
}

/** BlobStore on the local file system: `<root>/sha256/ab/<hash>`. */
export function createFileBlobStore(root: string): BlobStore {
  const tmpDir = join(root, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  // Leftovers of uploads cut by a crash are never visible; drop them.
  for (const name of readdirSync(tmpDir)) rmSync(join(tmpDir, name), { force: true });
  const pathOf = (sha: string): string => join(root, 'sha256', checkKey(sha).slice(0, 2), sha);
  const uriOf = blobUri;

  return {
    uriOf,
    begin({ maxBytes }): BlobWriter {
      const tmpPath = join(tmpDir, `${randomUUID()}.part`);
      const hash: Hash = createHash('sha256');
      const out: WriteStream = createWriteStream(tmpPath, { flags: 'wx' });
      let written = 0;
      let closed = false;
      let failure: Error | undefined;
      out.on('error', (err) => {
        failure = err;
      });
      let sealed: SealedBlob | undefined;
      const close = (): Promise<void> =>
        new Promise((done) => {
          if (closed) return done();
          closed = true;
          out.end(() => done());
        });
      const seal = async (): Promise<SealedBlob> => {
        if (sealed) return sealed;
        await close();
        if (failure) throw failure;
        sealed = { sha256: hash.digest('hex'), sizeBytes: written, localPath: tmpPath };
        return sealed;
      };
      const writer: BlobWriter = {
        get bytesWritten() {
          return written;
        },
        async write(chunk) {
          if (failure) throw failure;
          if (closed) throw errors.failedPrecondition('upload already finished');
          if (written + chunk.byteLength > maxBytes) {
            throw errors.invalidArgument('chunk', `artifact exceeds the size limit of ${maxBytes} bytes`, {
              reason: 'ARTIFACT_TOO_LARGE',
            });
          }
          written += chunk.byteLength;
          hash.update(chunk);
          // The file stream keeps the chunk until it is flushed: copy it, or a
          // caller that reuses its buffer would change bytes already hashed.
          if (!out.write(Buffer.from(chunk))) await new Promise<void>((r) => out.once('drain', () => r()));
        },
        seal,
        async commit(expect = {}) {
          const { sha256 } = await seal();
          if (expect.sizeBytes !== undefined && expect.sizeBytes > 0 && expect.sizeBytes !== written) {
            await unlink(tmpPath).catch(() => undefined);
            throw errors.invalidArgument(
              'expected_size_bytes',
              `received ${written} bytes, expected ${expect.sizeBytes} (upload cut short?)`,
              { reason: 'SIZE_MISMATCH' },
            );
          }
          if (expect.sha256 && expect.sha256.toLowerCase() !== sha256) {
            await unlink(tmpPath).catch(() => undefined);
            throw errors.invalidArgument('expected_sha256', `content hashes to ${sha256}, expected ${expect.sha256}`, {
              reason: 'CHECKSUM_MISMATCH',
            });
          }
          const finalPath = pathOf(sha256);
          mkdirSync(join(root, 'sha256', sha256.slice(0, 2)), { recursive: true });
          // rename(2) is atomic: readers see the whole blob or none of it.
          await rename(tmpPath, finalPath);
          return { sha256, sizeBytes: written, uri: uriOf(sha256) };
        },
        async abort() {
          await close();
          await rm(tmpPath, { force: true });
        },
      };
      return writer;
    },
    async stat(sha256) {
      try {
        const s = await stat(pathOf(sha256));
        return { sha256, sizeBytes: s.size, uri: uriOf(sha256) };
      } catch {
        return undefined;
      }
    },
    openRead(sha256, options = {}) {
      return createReadStream(pathOf(sha256), { highWaterMark: options.highWaterMark ?? 256 * 1024 });
    },
    async delete(sha256) {
      await rm(pathOf(sha256), { force: true });
    },
  };
}
