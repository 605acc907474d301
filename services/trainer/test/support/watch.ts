/** Reads a WatchJob stream to its end (the terminal status event), bounded in time. */
import { trainer } from '@l1g1/contracts';
import { fromServiceError, type L1g1Error } from '@l1g1/kit';
import type { ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';

export async function collectEvents(client: trainer.TrainerServiceClient, req: Partial<trainer.WatchJobRequest>, deadlineMs = 120_000): Promise<trainer.TrainingEvent[]> {
  const call = client.watchJob(trainer.WatchJobRequest.fromPartial(req), new Metadata(), { deadline: Date.now() + deadlineMs });
  const out: trainer.TrainingEvent[] = [];
  try {
    for await (const e of call as AsyncIterable<trainer.TrainingEvent>) out.push(e);
  } catch (err: unknown) {
    throw fromServiceError(err as ServiceError) as L1g1Error;
  }
  return out;
}
