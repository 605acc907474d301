/**
 * What the composition root (`startIngestion`) hands every handler group and
 * job runner: the service's stores, blob store, job queue and worker. Parts
 * that need only a piece of it declare the smallest interface they need
 * (structural typing) and receive this object.
 */
import type { BlobStore, JobStore, Logger } from '@l1g1/kit';
import type { IngestionJobRunner } from './adapters/jobs/job-runner';
import type { IngestionConfig } from './config';

export interface IngestionDeps {
  readonly config: IngestionConfig;
  readonly logger: Logger;
  /** Snapshot data files and manifests, by sha256 (files or S3). */
  readonly blobs: BlobStore;
  /** The kit job store (queue, progress, events) of this service. */
  readonly jobs: JobStore;
  /** The one job worker: `register(kind, handler)` during composition, started by `startIngestion`. */
  readonly worker: IngestionJobRunner;
}
