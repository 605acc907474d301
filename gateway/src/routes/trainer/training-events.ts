/**
 * Server-Sent Events of one training job over the trainer's WatchJob stream,
 * relayed the one way every job stream is (job-event-relay.ts: `id:
 * <sequence>` for `Last-Event-ID` resume, heartbeats, a maximum life, the end
 * after the terminal state).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { trainer } from '@l1g1/contracts';
import type { Upstream } from '../../upstreams';
import { forwardMetadata, rpc } from '../common';
import { relayJobEvents, type JobEventStreamOptions } from '../job-event-relay';
import { isTerminalEvent, trainingEventJson } from './trainer-json';

export type TrainingEventOptions = JobEventStreamOptions;

export async function streamTrainingEvents(
  client: trainer.TrainerServiceClient,
  guard: Upstream,
  req: FastifyRequest,
  reply: FastifyReply,
  request: { jobId: string; afterSequence: number },
  options: TrainingEventOptions,
  open: Set<() => void>,
): Promise<void> {
  await relayJobEvents<trainer.TrainingEvent>(
    guard,
    reply,
    request.jobId,
    {
      check: () => rpc(guard, client.getJob.bind(client), { jobId: request.jobId }, req),
      watch: () => client.watchJob(request, forwardMetadata(req), {}),
      json: trainingEventJson,
      sequence: (e) => e.sequence,
      terminal: isTerminalEvent,
    },
    options,
    open,
  );
}
