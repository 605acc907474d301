/**
 * The registry's blob store, as its config says: content-addressed files
 * under the data directory (the embedded default), or an S3-compatible bucket
 * in spool mode (the scaled mode).
 *
 * Spool mode, not streaming mode: the upload path seals each artifact and has
 * the ONNX check read it from a local file before committing, and only spool
 * mode offers `seal()`. It also means no byte of a refused or cut upload ever
 * reaches the bucket.
 */
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { createFileBlobStore, createS3BlobStore, createS3ClientFromEnv, type BlobStore, type Logger } from '@l1g1/kit';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RegistryBlobConfig } from '../config';

/**
 * Spool files untouched for this long belong to a process that died (an
 * upload in progress writes continuously; a sealed one is checked and sent
 * within minutes). Younger ones may be another live process's, when replicas
 * share a data directory, so they are left alone.
 */
const STALE_SPOOL_MS = 60 * 60 * 1000;

/** An opened blob store and what to release at shutdown. */
export interface OpenedBlobStore {
  readonly store: BlobStore;
  /** Where artifacts live, for the startup log (no endpoint, no credentials). */
  readonly describe: string;
  close(): void;
}

/**
 * Opens the blob store. For S3 it first checks that the bucket answers
 * (HeadBucket), so a wrong bucket, endpoint or credential stops the process
 * at startup instead of failing the first upload.
 */
export async function openRegistryBlobStore(
  config: RegistryBlobConfig,
  options: { logger: Logger; nowMs?: () => number },
): Promise<OpenedBlobStore> {
  if (config.kind === 'file') {
    return { store: createFileBlobStore(config.dir), describe: 'files', close: () => undefined };
  }
  const client = createS3ClientFromEnv(config.awsEnv);
  const { bucket, prefix } = config.location;
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (err: unknown) {
    client.destroy();
    const name = err instanceof Error ? err.name : String(err);
    const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    throw new Error(`artifact storage ${config.url} is not reachable (${name}${status ? `, HTTP ${status}` : ''})`, { cause: err });
  }
  sweepStaleSpool(config.spoolDir, (options.nowMs ?? Date.now)(), options.logger);
  return {
    store: createS3BlobStore({ client, bucket, prefix, spoolDir: config.spoolDir }),
    describe: config.url,
    close: () => client.destroy(),
  };
}

/** Removes spool files left by a process that died mid-upload (see STALE_SPOOL_MS). */
function sweepStaleSpool(spoolDir: string, nowMs: number, logger: Logger): void {
  mkdirSync(spoolDir, { recursive: true });
  let removed = 0;
  for (const name of readdirSync(spoolDir)) {
    const path = join(spoolDir, name);
    try {
      if (nowMs - statSync(path).mtimeMs > STALE_SPOOL_MS) {
        rmSync(path, { force: true });
        removed += 1;
      }
    } catch {
      // Gone meanwhile (its upload finished): nothing to sweep.
    }
  }
  if (removed > 0) logger.info({ removed }, 'removed spool files of uploads cut by a crash');
}
