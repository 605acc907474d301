/**
 * What the composition root (`startIngestion`) hands every handler group and
 * job runner: the service's stores, blob store, job queue and worker. Parts
 * that need only a piece of it declare the smallest interface they need
 * (structural typing) and receive this object.
 */
import type { BlobStore, JobStore, Logger } from '@l1g1/kit';
import type { IngestionJobRunner } from './adapters/jobs/job-runner';
import type { IngestionConfig } from './config';
import type { IngestionStore } from './domain/ports';
import type { SnapshotPublisher } from './adapters/snapshot-publisher';
import type { SnapshotSource } from './adapters/snapshot-source';

export interface IngestionDeps {
  readonly config: IngestionConfig;
  readonly logger: Logger;
  /** The whole metadata store: datasets, snapshots, uploads, review queue, privacy ledger. */
  readonly store: IngestionStore;
  /** Snapshot data files and manifests, by sha256 (files or S3). */
  readonly blobs: BlobStore;
  /** The kit job store (queue, progress, events) of this service. */
  readonly jobs: JobStore;
  /** Writes a snapshot (Parquet + manifest into blobs, then the row): `publish(input, records)`. */
  readonly publisher: SnapshotPublisher;
  /** Reads published snapshots: `open(ref)` → `{ info, rows(), records() }` (version 0 = the latest). */
  readonly snapshots: SnapshotSource;
  /** The one job worker: `register(kind, handler)` during composition, started by `startIngestion`. */
  readonly worker: IngestionJobRunner;
}
