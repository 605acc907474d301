/** Every record of an ingestion snapshot (or of one split), read over ReadRecords. */
import { ingestion, type common } from '@l1g1/contracts';

export async function readSnapshot(client: ingestion.IngestionServiceClient, ref: common.DatasetRef, split = ''): Promise<common.Record[]> {
  const out: common.Record[] = [];
  const call = client.readRecords(ingestion.ReadRecordsRequest.fromPartial({ snapshot: ref, split, batchSize: 100 }));
  for await (const m of call as AsyncIterable<ingestion.ReadRecordsResponse>) out.push(...m.records);
  return out;
}
