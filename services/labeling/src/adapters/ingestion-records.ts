/**
 * The labeling service's client of ingestion: a snapshot's records through
 * server-streaming ReadRecords. Labeling never reads ingestion's files.
 */
import { ingestion } from '@l1g1/contracts';
import { fromServiceError, isServiceError } from '@l1g1/kit';
import type { SnapshotRecordSource } from '../domain/ports';

export function createIngestionRecordSource(client: ingestion.IngestionServiceClient): SnapshotRecordSource {
  return {
    async *readRecords(ref, filter, signal) {
      const call = client.readRecords(
        ingestion.ReadRecordsRequest.fromPartial({ snapshot: ref, split: filter.split, filter: { metadataEquals: filter.metadataEquals }, batchSize: 256 }),
      );
      const onAbort = (): void => call.cancel();
      signal.addEventListener('abort', onAbort);
      try {
        for await (const message of call as AsyncIterable<ingestion.ReadRecordsResponse>) yield { records: message.records, snapshot: message.snapshot, total: message.totalRecords };
      } catch (err: unknown) {
        // A gRPC status from the stream: back into a domain error (client faults stay client faults).
        throw isServiceError(err) ? fromServiceError(err) : err;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
