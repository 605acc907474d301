/** ListDatasets, GetSnapshot, ListSnapshots: reads of the metadata store (paged by keyset tokens). */
import type { ingestion } from '@l1g1/contracts';
import { decodePageToken, encodePageToken, errors, filterFingerprint, type AsyncService } from '@l1g1/kit';
import type { IngestionDeps } from '../deps';
import { checkDatasetName, checkRef, pageSize, toDataset, toSnapshot } from './mappers';

type Handlers = Pick<AsyncService<ingestion.IngestionServiceService>, 'listDatasets' | 'getSnapshot' | 'listSnapshots'>;

export function createDatasetHandlers(deps: IngestionDeps): Handlers {
  const { store } = deps;
  return {
    async listDatasets(req) {
      if (req.query.length > 128) throw errors.invalidArgument('query', 'at most 128 characters');
      const limit = pageSize(req.page);
      const fp = filterFingerprint({ query: req.query });
      const after = decodePageToken(req.page?.pageToken ?? '', 'datasets', fp, 'string');
      const query = req.query || undefined;
      const rows = await store.listDatasets({ ...(query ? { query } : {}), ...(after === undefined ? {} : { afterName: after }), limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        datasets: page.map(toDataset),
        page: {
          nextPageToken: rows.length > limit && last ? encodePageToken('datasets', fp, last.name) : '',
          totalSize: await store.countDatasets(query ? { query } : {}),
        },
      };
    },
    async getSnapshot(req) {
      const ref = checkRef(req.snapshot, 'snapshot');
      const row = await store.getSnapshot(ref.dataset, ref.version);
      if (!row) {
        throw ref.version === 0
          ? errors.notFound(`dataset ${ref.dataset}`, { reason: 'DATASET_NOT_FOUND' })
          : errors.notFound(`snapshot ${ref.dataset} version ${ref.version}`, { reason: 'SNAPSHOT_NOT_FOUND' });
      }
      return toSnapshot(row, await deps.snapshots.manifest(row));
    },
    async listSnapshots(req) {
      const dataset = checkDatasetName(req.dataset, 'dataset');
      const limit = pageSize(req.page);
      const fp = filterFingerprint({ dataset });
      const before = decodePageToken(req.page?.pageToken ?? '', 'snapshots', fp, 'number');
      const d = await store.getDataset(dataset);
      if (!d) throw errors.notFound(`dataset ${dataset}`, { reason: 'DATASET_NOT_FOUND' });
      const rows = await store.listSnapshots(dataset, { ...(before === undefined ? {} : { beforeVersion: before }), limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        snapshots: page.map((r) => toSnapshot(r)),
        page: { nextPageToken: rows.length > limit && last ? encodePageToken('snapshots', fp, last.version) : '', totalSize: d.snapshotCount },
      };
    },
  };
}
