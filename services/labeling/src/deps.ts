/**
 * What the composition root (`startLabeling`) hands every handler group.
 * Parts that need only a piece of it declare the smallest interface they
 * need (structural typing) and receive this object.
 */
import type { JobStore, Logger } from '@l1g1/kit';
import type { ScoreSource } from './adapters/inference-scores';
import type { ModelVersions } from './adapters/model-versions';
import type { LabelingConfig } from './config';
import type { LabelingStore, SnapshotRecordSource } from './domain/ports';

export interface LabelingDeps {
  readonly config: LabelingConfig;
  readonly logger: Logger;
  /** Projects, tasks, reservations and annotations. */
  readonly store: LabelingStore;
  /** Snapshot records, from the ingestion service. */
  readonly records: SnapshotRecordSource;
  /** Pre-label jobs (kit job runtime: SQLite, or PostgreSQL with L1G1_DATABASE_URL). */
  readonly jobs: JobStore;
  /** `name@alias` → version, from the model registry. */
  readonly models: ModelVersions;
  /** Class scores, from the inference service. */
  readonly scores: ScoreSource;
  /** Epoch milliseconds; tests pass a clock they move to expire reservations. */
  readonly now: () => number;
}
