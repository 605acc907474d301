/**
 * Server-Sent Events of one labeling job (a pre-label run, an export to a
 * snapshot) over labeling's WatchJob, relayed like every job stream
 * (job-event-relay.ts): `Last-Event-ID` resumes, the stream ends after the
 * terminal state. The SSE event name is the log entry's type (`state`,
 * `progress`, `log`, …); its data holds the job as it then was.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { labeling } from '@l1g1/contracts';
import type { Upstream } from '../../upstreams';
import { forwardMetadata, rpc } from '../common';
import { relayJobEvents, type JobEventStreamOptions } from '../job-event-relay';
import { labelingJobJson } from './labeling-json';

/** Event types are the kit job log's: lowercase words; anything else is skipped rather than put in an SSE `event:` line. */
const EVENT_TYPE = /^[a-z_]{1,40}$/;
/**
 * The kit job log's terminal state names. A state event's own data says which
 * state it recorded; its `job` is re-read when the event is sent, so a
 * replayed early event already carries the finished job and cannot say when
 * the stream ends.
 */
const TERMINAL_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

function eventData(e: labeling.LabelingJobEvent): unknown {
  if (e.dataJson === '') return null;
  try {
    return JSON.parse(e.dataJson);
  } catch {
    // A log line the service stored as plain text: sent as a string.
    return e.dataJson;
  }
}

/** The `/v1` JSON of one event: snake_case, RFC 3339 time, the event's data parsed (null when it is not JSON). */
export function labelingJobEventJson(e: labeling.LabelingJobEvent): { name: string; data: Record<string, unknown> } | undefined {
  if (!EVENT_TYPE.test(e.type)) return undefined;
  const data = eventData(e);
  const job = e.job ? labelingJobJson(e.job) : null;
  return { name: e.type, data: { sequence: e.sequence, type: e.type, at: e.at ? e.at.toISOString() : null, job_id: job?.job_id ?? '', job, data } };
}

export function isTerminalLabelingEvent(e: labeling.LabelingJobEvent): boolean {
  if (e.type !== 'state') return false;
  const data = eventData(e);
  return typeof data === 'object' && data !== null && TERMINAL_STATES.has(String((data as { state?: unknown }).state));
}

export async function streamLabelingJobEvents(
  client: labeling.LabelingServiceClient,
  guard: Upstream,
  req: FastifyRequest,
  reply: FastifyReply,
  request: labeling.WatchJobRequest,
  options: JobEventStreamOptions,
  open: Set<() => void>,
): Promise<void> {
  await relayJobEvents<labeling.LabelingJobEvent>(
    guard,
    reply,
    request.jobId,
    {
      check: () => rpc(guard, client.getJob.bind(client), { jobId: request.jobId }, req),
      watch: () => client.watchJob(request, forwardMetadata(req), {}),
      json: labelingJobEventJson,
      sequence: (e) => e.sequence,
      terminal: isTerminalLabelingEvent,
    },
    options,
    open,
  );
}
