/**
 * A snapshot's records as NDJSON, from the server-streaming ReadRecords:
 * one JSON object per line, written only as fast as the client reads (the
 * gRPC stream is not asked for more while the socket buffer is full). The
 * first batch is awaited before the answer starts, so a missing snapshot is
 * a clean 404, not a 200 that breaks off.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ingestion } from '@l1g1/contracts';
import { writeWithBackpressure } from '@l1g1/kit';
import type { Upstream } from '../../upstreams';
import { forwardMetadata, guarded } from '../common';
import { recordJson } from './ingestion-json';

export interface RecordStreamOptions {
  deadlineMs: number;
  /** Extra answer headers (e.g. Content-Disposition for a download). */
  headers?: Record<string, string>;
}

/**
 * Each line is a record; the last record of every batch also carries
 * `resume_token`: a reader cut off passes the last one it saw as
 * `?resume_token=` and continues after that batch.
 */
export async function sendRecords(
  client: Pick<ingestion.IngestionServiceClient, 'readRecords'>,
  guard: Upstream,
  req: FastifyRequest,
  reply: FastifyReply,
  request: ingestion.ReadRecordsRequest,
  options: RecordStreamOptions,
): Promise<void> {
  const stream = client.readRecords(request, forwardMetadata(req), { deadline: Date.now() + options.deadlineMs });
  const batches = stream[Symbol.asyncIterator]() as AsyncIterator<ingestion.ReadRecordsResponse>;
  let first: IteratorResult<ingestion.ReadRecordsResponse>;
  try {
    first = await guarded(guard, () => batches.next());
  } catch (err) {
    stream.cancel();
    throw err;
  }
  reply.hijack();
  const res = reply.raw;
  const snapshot = first.done ? undefined : first.value.snapshot;
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    ...(snapshot ? { 'x-l1g1-snapshot': `${snapshot.name}@${snapshot.snapshot}` } : {}),
    ...(first.done ? {} : { 'x-l1g1-total-records': String(first.value.totalRecords) }),
    ...options.headers,
  });
  const gone = new AbortController();
  res.on('close', () => {
    gone.abort();
    stream.cancel();
  });
  const writeBatch = async (b: ingestion.ReadRecordsResponse): Promise<void> => {
    const lines = b.records.map((r, i) => JSON.stringify(i === b.records.length - 1 ? { ...recordJson(r), resume_token: b.resumeToken } : recordJson(r)));
    if (lines.length > 0) await writeWithBackpressure(res, `${lines.join('\n')}\n`, gone.signal);
  };
  try {
    if (!first.done) await writeBatch(first.value);
    for (let next = await batches.next(); !next.done && !gone.signal.aborted; next = await batches.next()) await writeBatch(next.value);
  } catch {
    // The stream broke after the answer began: the status is sent, so the
    // cut shows as a truncated body (no final newline-terminated batch);
    // the reader resumes from its last resume_token.
    res.destroy();
    return;
  }
  res.end();
}
