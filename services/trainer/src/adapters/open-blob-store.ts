/**
 * The trainer's blob store, as the config says: content-addressed files under
 * `<dataDir>/trainer/blobs` (the embedded default) or an S3-compatible bucket
 * (L1G1_BLOB_URL), both the kit's implementations.
 */
import { createFileBlobStore, createS3BlobStoreFromEnv, type BlobStore } from '@l1g1/kit';
import { mkdirSync } from 'node:fs';
import type { TrainerBlobConfig } from '../config';

export interface OpenedTrainerBlobs {
  readonly store: BlobStore;
  /** For the startup log: `files`, or the bucket URL (no endpoint, no credentials). */
  readonly describe: string;
}

export function openTrainerBlobStore(config: TrainerBlobConfig): OpenedTrainerBlobs {
  if (config.kind === 'file') return { store: createFileBlobStore(config.dir), describe: 'files' };
  mkdirSync(config.spoolDir, { recursive: true });
  return { store: createS3BlobStoreFromEnv(config.url, config.env, { spoolDir: config.spoolDir }), describe: config.url };
}
