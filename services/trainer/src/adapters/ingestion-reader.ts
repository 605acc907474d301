/**
 * The trainer's client of the ingestion service: snapshot facts for spec
 * checks (GetSnapshot) and the records of one split (server-streaming
 * ReadRecords). The trainer never reads ingestion's files: it asks the owner.
 */
import { ingestion, type common } from '@l1g1/contracts';
import { readServerStream, unary } from '@l1g1/kit';
import type { SnapshotFacts } from '../domain/spec/resolve-spec';

/** A record as the trainer needs it: payload and metadata. */
export interface TrainingRecord {
  id: string;
  data: Uint8Array;
  metadata: Record<string, string>;
}

export interface IngestionReader {
  /** NOT_FOUND (a client fault) when the snapshot does not exist. */
  getSnapshot(ref: common.DatasetRef): Promise<SnapshotFacts & { splits: Record<string, number> }>;
  /** Records of `split` ('' = all) of a pinned snapshot, in ingestion's (id) order. */
  readRecords(ref: common.DatasetRef, split: string, signal: AbortSignal): AsyncIterable<TrainingRecord>;
}

/** Deadline of GetSnapshot: a metadata read. */
const GET_SNAPSHOT_DEADLINE_MS = 10_000;

export function createIngestionReader(client: ingestion.IngestionServiceClient): IngestionReader {
  return {
    async getSnapshot(ref) {
      const s = await unary(client.getSnapshot.bind(client), { snapshot: ref }, { deadlineMs: GET_SNAPSHOT_DEADLINE_MS });
      return { dataset: s.dataset, version: s.version, metadataKeys: s.metadataKeys, splits: s.splits };
    },
    async *readRecords(ref, split, signal) {
      const call = client.readRecords(ingestion.ReadRecordsRequest.fromPartial({ snapshot: ref, split, batchSize: 1024 }));
      for await (const message of readServerStream<ingestion.ReadRecordsResponse>(call, signal)) {
        for (const r of message.records) yield { id: r.id, data: r.data, metadata: r.metadata };
      }
    },
  };
}
