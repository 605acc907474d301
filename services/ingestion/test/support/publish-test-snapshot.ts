/**
 * Publishes a snapshot the way the service does (data file written by the
 * snapshot writer, put in the real blob store, row inserted in the real
 * metadata store), for tests of the reading RPCs that must not depend on the
 * upload path. The manifest blob is left out: the readers never need it.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSnapshotParquet } from '../../src/adapters/parquet/snapshot-writer';
import type { SnapshotRow } from '../../src/domain/ports';
import type { StoredRecord } from '../../src/domain/snapshot/stored-record';
import type { IngestionDeps } from '../../src/index';

export async function publishTestSnapshot(deps: IngestionDeps, dataset: string, records: readonly StoredRecord[]): Promise<SnapshotRow> {
  const dir = await mkdtemp(join(tmpdir(), 'l1g1-publish-'));
  try {
    const path = join(dir, 'data.parquet');
    const written = await writeSnapshotParquet((async function* () { yield* records; })(), path, { tempDir: dir });
    const blob = deps.blobs.begin({ maxBytes: written.sizeBytes });
    for await (const chunk of createReadStream(path)) await blob.write(chunk as Buffer);
    await blob.commit({ sha256: written.sha256, sizeBytes: written.sizeBytes });
    return await deps.store.insertSnapshot(
      {
        dataset,
        manifestSha256: written.sha256,
        dataSha256: written.sha256,
        recordCount: written.recordCount,
        sizeBytes: written.sizeBytes,
        contentSha256: written.contentSha256,
        origin: 'upload',
        jobId: '',
        description: '',
        tags: {},
        counts: {},
        splits: {},
        contentTypes: {},
        metadataKeys: {},
        parents: [],
        createdBy: 'tests',
      },
      { nowMs: Date.now(), dpBudgetTotal: 10 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
