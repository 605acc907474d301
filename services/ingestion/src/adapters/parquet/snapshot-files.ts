import { errors } from '@l1g1/kit';
import type { SnapshotRow } from '../../domain/ports';
import type { SnapshotRef } from '../../domain/snapshot/stored-record';
import type { SnapshotFileCache } from './snapshot-file-cache';
import { openSnapshotParquet, type SnapshotFile } from './snapshot-reader';

/** An opened snapshot: its row (version resolved), its data file, and the lease to give back. */
export interface OpenSnapshot {
  readonly info: SnapshotRow;
  readonly ref: SnapshotRef;
  readonly file: SnapshotFile;
  /** Lets the cache evict the file again; call once the reading is done. */
  release(): void;
}

export interface SnapshotFiles {
  /** Version 0: the latest. NOT_FOUND naming the snapshot when there is none. */
  open(ref: SnapshotRef): Promise<OpenSnapshot>;
}

/** Opens snapshots for reading: store row → cached local data file → Parquet reader. */
export function createSnapshotFiles(deps: { store: { getSnapshot(dataset: string, version: number): Promise<SnapshotRow | undefined> }; cache: SnapshotFileCache }): SnapshotFiles {
  return {
    async open(ref) {
      const info = await deps.store.getSnapshot(ref.dataset, ref.version);
      if (info === undefined) {
        throw errors.notFound(ref.version === 0 ? `dataset ${ref.dataset} (no snapshot yet)` : `snapshot ${ref.dataset}@${ref.version}`, {
          reason: 'SNAPSHOT_NOT_FOUND',
        });
      }
      const lease = await deps.cache.acquire(info.dataSha256);
      try {
        const file = await openSnapshotParquet(lease.path);
        return { info, ref: { dataset: info.dataset, version: info.version }, file, release: () => lease.release() };
      } catch (err) {
        lease.release();
        throw err;
      }
    },
  };
}
