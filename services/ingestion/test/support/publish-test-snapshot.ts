/**
 * Publishes a snapshot through the service's real publisher (Parquet writer,
 * blob store, manifest, store row), for tests of the reading RPCs that must
 * not depend on the upload path.
 */
import type { SnapshotRow } from '../../src/domain/ports';
import type { StoredRecord } from '../../src/domain/snapshot/stored-record';
import type { IngestionDeps } from '../../src/index';

export async function publishTestSnapshot(deps: IngestionDeps, dataset: string, records: readonly StoredRecord[]): Promise<SnapshotRow> {
  return deps.publisher.publish(
    { dataset, origin: 'upload', jobId: '', parents: [], description: '', tags: {}, createdBy: 'tests', counts: {}, cleaning: {}, cleaningReport: [], uploadReport: [], sources: [] },
    (async function* () {
      yield* records;
    })(),
  );
}
