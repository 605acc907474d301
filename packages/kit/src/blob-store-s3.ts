import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, pipeline, Readable } from 'node:stream';
import type { BlobInfo, BlobStore, BlobWriter } from './blob-store';
import { ConfigError, type Env } from './config';
import { parseS3BlobUrl, type S3BlobLocation } from './s3-blob-url';
import { errors, L1g1Error } from './errors';

export { parseS3BlobUrl, type S3BlobLocation } from './s3-blob-url';

export interface S3BlobStoreOptions extends S3BlobLocation {
  client: S3Client;
  /** Multipart part size (S3's minimum is 5 MiB); memory per upload ≈ partSize × (queueSize + 1). */
  partSizeBytes?: number;
  /** Parts uploaded concurrently per upload. */
  queueSize?: number;
  /**
   * Spool mode: writes go to a local file under this folder (hashed while
   * writing), and `commit` uploads that file by multipart straight to its
   * content key. Costs local disk the size of the artifact, but offers
   * `seal()` (the hash and a local file to inspect before publishing, as the
   * file store does) and needs no server-side copy. Unset: bytes stream to S3
   * as they are written, with no local copy.
   */
  spoolDir?: string;
}

/** What `seal()` of a spooled upload answers: the hash and a local file with exactly the bytes. */
export interface SealedS3Upload {
  sha256: string;
  sizeBytes: number;
  /** Readable until commit or abort; internal, never sent to a client. */
  localPath: string;
}

/** A spooled upload's writer: a BlobWriter that can also be sealed before commit. */
export interface SpooledBlobWriter extends BlobWriter {
  /** Ends writing; answers the hash and the local file. Idempotent; commit or abort follows. */
  seal(): Promise<SealedS3Upload>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MIB = 1024 * 1024;
/** A single CopyObject copies at most 5 GiB; larger artifacts would need UploadPartCopy. */
const MAX_COPY_BYTES = 5 * 1024 * MIB;

/**
 * An S3 client from the standard AWS variables (AWS_ENDPOINT_URL,
 * AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
 * Path-style addressing and checksums only where required: S3-compatible
 * servers (MinIO, s3rver) need both.
 */
export function createS3ClientFromEnv(env: Env): S3Client {
  const accessKeyId = env['AWS_ACCESS_KEY_ID']?.trim();
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY']?.trim();
  const endpoint = env['AWS_ENDPOINT_URL_S3']?.trim() || env['AWS_ENDPOINT_URL']?.trim();
  if (endpoint) {
    try {
      new URL(endpoint);
    } catch {
      throw new ConfigError('AWS_ENDPOINT_URL', `expected a URL, got "${endpoint}"`);
    }
  }
  const sessionToken = env['AWS_SESSION_TOKEN']?.trim();
  const config: S3ClientConfig = {
    region: env['AWS_REGION']?.trim() || env['AWS_DEFAULT_REGION']?.trim() || 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    ...(endpoint ? { endpoint } : {}),
    // Without explicit keys the SDK's default chain applies (instance role, web identity, profile).
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
  return new S3Client(config);
}

/**
 * `L1G1_BLOB_URL=s3://bucket/prefix` plus the AWS variables → an S3 BlobStore
 * (spool mode when `spoolDir` is given, e.g. `<data dir>/blobs/tmp`).
 */
export function createS3BlobStoreFromEnv(blobUrl: string, env: Env, options: { spoolDir?: string } = {}): BlobStore {
  return createS3BlobStore({ ...parseS3BlobUrl(blobUrl), client: createS3ClientFromEnv(env), ...options });
}

function checkKey(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw errors.invalidArgument('sha256', 'must be 64 lowercase hex characters');
  return sha256;
}

/** The same refusals as the file store's, for the same mismatches. */
function checkExpectations(expect: { sha256?: string; sizeBytes?: number }, sha256: string, written: number): void {
  if (expect.sizeBytes !== undefined && expect.sizeBytes > 0 && expect.sizeBytes !== written) {
    throw errors.invalidArgument('expected_size_bytes', `received ${written} bytes, expected ${expect.sizeBytes} (upload cut short?)`, {
      reason: 'SIZE_MISMATCH',
    });
  }
  if (expect.sha256 && expect.sha256.toLowerCase() !== sha256) {
    throw errors.invalidArgument('expected_sha256', `content hashes to ${sha256}, expected ${expect.sha256}`, {
      reason: 'CHECKSUM_MISMATCH',
    });
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** Storage failures become UNAVAILABLE with a stable message: no endpoint, bucket text or SDK detail reaches a client. */
function storageFailure(err: unknown): L1g1Error {
  if (err instanceof L1g1Error) return err;
  return errors.unavailable('artifact storage is unavailable', { reason: 'BLOB_STORE_UNAVAILABLE', cause: err });
}

/**
 * BlobStore on an S3-compatible bucket, content-addressed like the file
 * store: `<prefix>sha256/ab/<hash>`.
 *
 * An upload streams into a multipart upload under `<prefix>tmp/<uuid>` while
 * its sha256 is computed; the content key only ever appears through one
 * server-side CopyObject of a complete, verified object, so no reader can see
 * a partial or unverified blob. A failed or aborted upload aborts the
 * multipart upload (its parts vanish) and deletes the temporary object.
 * (The hash is only known at the end, so the content key cannot be the
 * multipart target itself.) Temporary keys left by a crashed process are
 * never read; a bucket lifecycle rule on `<prefix>tmp/` expires them.
 *
 * With `spoolDir` (spool mode) an upload is written to a local file first and
 * `commit` sends it by one multipart upload straight to the content key: no
 * temporary key, no copy, and `seal()` for callers that inspect the whole
 * artifact before publishing it.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { client, bucket, prefix } = options;
  const partSize = Math.max(options.partSizeBytes ?? 8 * MIB, 5 * MIB);
  const queueSize = Math.max(1, options.queueSize ?? 2);
  const keyOf = (sha: string): string => `${prefix}sha256/${checkKey(sha).slice(0, 2)}/${sha}`;
  const uriOf = (sha: string): string => `s3://${bucket}/${keyOf(sha)}`;
  const deleteKey = async (key: string): Promise<void> => {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  };
  const exists = (key: string): Promise<boolean> =>
    client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );

  /** Spool mode: local file first, then one multipart upload to the content key (see `spoolDir`). */
  function beginSpooled(spoolDir: string, maxBytes: number): SpooledBlobWriter {
    mkdirSync(spoolDir, { recursive: true });
    const localPath = join(spoolDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    const out: WriteStream = createWriteStream(localPath, { flags: 'wx' });
    let failure: unknown;
    out.on('error', (err) => {
      failure = err;
    });
    let written = 0;
    let closed = false;
    let finished = false;
    let sealed: SealedS3Upload | undefined;
    const close = (): Promise<void> =>
      new Promise((done) => {
        if (closed) return done();
        closed = true;
        out.end(() => done());
      });
    const discard = async (): Promise<void> => {
      finished = true;
      await close();
      await rm(localPath, { force: true });
    };
    const seal = async (): Promise<SealedS3Upload> => {
      if (sealed) return sealed;
      if (finished) throw errors.failedPrecondition('upload already finished');
      await close();
      if (failure) throw storageFailure(failure);
      sealed = { sha256: hash.digest('hex'), sizeBytes: written, localPath };
      return sealed;
    };
    return {
      get bytesWritten() {
        return written;
      },
      async write(chunk) {
        if (failure) throw storageFailure(failure);
        if (closed) throw errors.failedPrecondition('upload already finished');
        if (written + chunk.byteLength > maxBytes) {
          throw errors.invalidArgument('chunk', `artifact exceeds the size limit of ${maxBytes} bytes`, { reason: 'ARTIFACT_TOO_LARGE' });
        }
        // Our own copy: the file stream may hold a chunk after this resolves, and the caller may reuse it.
        const own = Buffer.from(chunk);
        written += own.byteLength;
        hash.update(own);
        if (!out.write(own)) await new Promise<void>((r) => out.once('drain', () => r()));
      },
      seal,
      async commit(expect = {}) {
        if (finished) throw errors.failedPrecondition('upload already finished');
        const { sha256 } = await seal();
        try {
          checkExpectations(expect, sha256, written);
          const key = keyOf(sha256);
          // Same hash, same bytes: an existing blob is already the right one.
          if (!(await exists(key))) {
            // Completing a multipart upload is atomic: the key shows all the bytes or nothing.
            const upload = new Upload({
              client,
              params: { Bucket: bucket, Key: key, Body: createReadStream(localPath, { highWaterMark: MIB }) },
              partSize,
              queueSize,
              leavePartsOnError: false,
            });
            await upload.done();
          }
          finished = true;
          return { sha256, sizeBytes: written, uri: uriOf(sha256) };
        } catch (err) {
          throw storageFailure(err);
        } finally {
          await discard();
        }
      },
      async abort() {
        await discard();
      },
    };
  }

  return {
    uriOf,
    begin({ maxBytes }): BlobWriter {
      if (options.spoolDir !== undefined) return beginSpooled(options.spoolDir, maxBytes);
      const tmpKey = `${prefix}tmp/${randomUUID()}`;
      const hash = createHash('sha256');
      // Bounded: the pass-through buffers one MiB; the uploader at most queueSize parts.
      const body = new PassThrough({ highWaterMark: MIB });
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: tmpKey, Body: body },
        partSize,
        queueSize,
        leavePartsOnError: false,
      });
      let failure: unknown;
      const uploaded: Promise<void> = upload.done().then(
        () => undefined,
        (err: unknown) => {
          failure = err;
        },
      );
      let written = 0;
      let closed = false;
      const discard = async (): Promise<void> => {
        closed = true;
        await upload.abort().catch(() => undefined);
        body.destroy();
        await uploaded;
        await deleteKey(tmpKey).catch(() => undefined);
      };
      const writer: BlobWriter = {
        get bytesWritten() {
          return written;
        },
        // Streaming mode keeps no local copy to inspect; callers that inspect before commit use spool mode.
        async seal() {
          throw errors.unimplemented('seal() needs a local copy: create the S3 blob store with a spoolDir');
        },
        async write(chunk) {
          if (failure) throw storageFailure(failure);
          if (closed) throw errors.failedPrecondition('upload already finished');
          if (written + chunk.byteLength > maxBytes) {
            throw errors.invalidArgument('chunk', `artifact exceeds the size limit of ${maxBytes} bytes`, {
              reason: 'ARTIFACT_TOO_LARGE',
            });
          }
          // Our own copy: the uploader holds chunks until a part is full, and a caller may
          // reuse its buffer once this resolves; the bytes hashed must be the bytes sent.
          const own = Buffer.from(chunk);
          written += own.byteLength;
          hash.update(own);
          if (!body.write(own)) {
            // Wait for room, or for the upload to fail (it then never drains).
            await Promise.race([new Promise<void>((r) => body.once('drain', () => r())), uploaded]);
            if (failure) throw storageFailure(failure);
          }
        },
        async commit(expect = {}) {
          if (closed) throw errors.failedPrecondition('upload already finished');
          closed = true;
          body.end();
          await uploaded;
          if (failure) {
            await discard();
            throw storageFailure(failure);
          }
          const sha256 = hash.digest('hex');
          try {
            checkExpectations(expect, sha256, written);
          } catch (err) {
            await discard();
            throw err;
          }
          try {
            if (written > MAX_COPY_BYTES) throw errors.failedPrecondition(`artifacts over ${MAX_COPY_BYTES} bytes are not supported on S3 yet`);
            const key = keyOf(sha256);
            // Same hash, same bytes: an existing blob is already the right one.
            if (!(await exists(key))) {
              await client.send(
                new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${tmpKey.split('/').map(encodeURIComponent).join('/')}` }),
              );
            }
          } catch (err) {
            await discard();
            throw storageFailure(err);
          }
          await deleteKey(tmpKey).catch(() => undefined);
          return { sha256, sizeBytes: written, uri: uriOf(sha256) };
        },
        async abort() {
          await discard();
        },
      };
      return writer;
    },
    async stat(sha256): Promise<BlobInfo | undefined> {
      const key = keyOf(sha256);
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { sha256, sizeBytes: head.ContentLength ?? 0, uri: uriOf(sha256) };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw storageFailure(err);
      }
    },
    openRead(sha256, readOptions = {}) {
      const key = keyOf(sha256);
      const out = new PassThrough({ highWaterMark: readOptions.highWaterMark ?? 256 * 1024 });
      client.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then(
        (res) => {
          const source = res.Body;
          if (!(source instanceof Readable)) {
            out.destroy(errors.internal('S3 returned a body that is not a Node stream'));
            return;
          }
          if (out.destroyed) {
            source.destroy();
            return;
          }
          // pipeline: backpressure from the reader, and the HTTP body destroyed if the reader goes away.
          pipeline(source, out, (err) => {
            if (err && !out.destroyed) out.destroy(storageFailure(err));
          });
        },
        (err: unknown) => {
          out.destroy(isNotFound(err) ? errors.notFound(`blob ${sha256}`, { reason: 'BLOB_NOT_FOUND' }) : storageFailure(err));
        },
      );
      return out;
    },
    async delete(sha256) {
      const key = keyOf(sha256);
      try {
        await deleteKey(key);
      } catch (err) {
        throw storageFailure(err);
      }
    },
  };
}
