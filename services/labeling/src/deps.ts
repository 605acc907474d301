/**
 * What the composition root (`startLabeling`) hands every handler group.
 * Parts that need only a piece of it declare the smallest interface they
 * need (structural typing) and receive this object.
 */
import type { BatchPredictor, JobStore, Logger } from '@l1g1/kit';
import type { ModelVersions } from './adapters/model-versions';
import type { LabelingConfig } from './config';
import type { LabelingStore, SnapshotRecordSource, SnapshotSink } from './domain/ports';

export interface LabelingDeps {
  readonly config: LabelingConfig;
  readonly logger: Logger;
  /** Projects, tasks, reservations and annotations. */
  readonly store: LabelingStore;
  /** The kit job store (queue, progress, events) of this service's jobs. */
  readonly jobs: JobStore;
  /** Snapshot records, from the ingestion service. */
  readonly records: SnapshotRecordSource;
  /** `name@alias` → version, from the model registry. */
  readonly models: ModelVersions;
  /** Class scores, from the inference service. */
  readonly scores: BatchPredictor;
  /** New snapshots in the ingestion service (ExportToSnapshot). */
  readonly snapshots: SnapshotSink;
  /** Epoch milliseconds; tests pass a clock they move to expire reservations. */
  readonly now: () => number;
}
