/**
 * The labeling service's client of ingestion: a snapshot's records through
 * server-streaming ReadRecords. Labeling never reads ingestion's files.
 */
import { ingestion } from '@l1g1/contracts';
import { readServerStream } from '@l1g1/kit';
import type { SnapshotRecordSource } from '../domain/ports';

export function createIngestionRecordSource(client: ingestion.IngestionServiceClient): SnapshotRecordSource {
  return {
    async *readRecords(ref, filter, signal) {
      const call = client.readRecords(
        ingestion.ReadRecordsRequest.fromPartial({ snapshot: ref, split: filter.split, filter: { metadataEquals: filter.metadataEquals }, batchSize: 256 }),
      );
      for await (const message of readServerStream<ingestion.ReadRecordsResponse>(call, signal)) yield { records: message.records, snapshot: message.snapshot, total: message.totalRecords };
    },
  };
}
