/**
 * The evaluator's client of the ingestion service: snapshot facts (splits,
 * metadata keys) to check a request, and the records of one split
 * (server-streaming ReadRecords). The evaluator never reads ingestion's
 * files: it asks the owner.
 */
import { ingestion, type common } from '@l1g1/contracts';
import { readServerStream, unary } from '@l1g1/kit';

/** What a request is checked against. */
export interface SnapshotFacts {
  dataset: string;
  version: number;
  /** Metadata key -> records carrying it. */
  metadataKeys: Record<string, number>;
  /** Record count per split (empty when records carry none). */
  splits: Record<string, number>;
  recordCount: number;
}

/** A record as the evaluator needs it. */
export interface EvalRecord {
  id: string;
  data: Uint8Array;
  metadata: Record<string, string>;
}

export interface SnapshotReader {
  /** NOT_FOUND (a client fault) when the snapshot does not exist. */
  getSnapshot(ref: common.DatasetRef): Promise<SnapshotFacts>;
  /** Records of `split` ('' = all) of a pinned snapshot, in ingestion's order. */
  readRecords(ref: common.DatasetRef, split: string, signal: AbortSignal): AsyncIterable<EvalRecord>;
}

/** Deadline of GetSnapshot: a metadata read. */
const GET_SNAPSHOT_DEADLINE_MS = 10_000;
/** Records per streamed message: bounded memory per read. */
const READ_BATCH = 512;

export function createSnapshotReader(client: ingestion.IngestionServiceClient): SnapshotReader {
  return {
    async getSnapshot(ref) {
      const s = await unary(client.getSnapshot.bind(client), { snapshot: ref }, { deadlineMs: GET_SNAPSHOT_DEADLINE_MS });
      return { dataset: s.dataset, version: s.version, metadataKeys: s.metadataKeys, splits: s.splits, recordCount: s.recordCount };
    },
    async *readRecords(ref, split, signal) {
      const call = client.readRecords(ingestion.ReadRecordsRequest.fromPartial({ snapshot: ref, split, batchSize: READ_BATCH }));
      for await (const message of readServerStream<ingestion.ReadRecordsResponse>(call, signal)) {
        for (const r of message.records) yield { id: r.id, data: r.data, metadata: r.metadata };
      }
    },
  };
}
