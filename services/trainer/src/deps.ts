/**
 * What the composition root (`startTrainer`) hands every handler group and
 * the job runner. Parts that need only a piece of it declare the smallest
 * interface they need (structural typing) and receive this object.
 */
import type { BlobStore, JobStore, Logger } from '@l1g1/kit';
import type { IngestionReader } from './adapters/ingestion-reader';
import type { Registrar } from './adapters/registry-registrar';
import type { TrainerConfig } from './config';
import type { CheckpointStore } from './domain/jobs/checkpoint-rows';
import type { SpecCapabilities } from './domain/spec/resolve-spec';

export interface TrainerDeps {
  readonly config: TrainerConfig;
  readonly logger: Logger;
  /** The kit job store (queue, progress, events) of this service. */
  readonly jobs: JobStore;
  /** Checkpoints and exported models, by sha256 (files or S3). */
  readonly blobs: BlobStore;
  /** Rows listing each job's checkpoints. */
  readonly checkpoints: CheckpointStore;
  /** Snapshot facts and records, from the ingestion service. */
  readonly ingestion: IngestionReader;
  /** Registers exported models in the model registry. */
  readonly registrar: Registrar | undefined;
  /** The architectures this build can train (others are refused at creation). */
  readonly capabilities: SpecCapabilities;
}
