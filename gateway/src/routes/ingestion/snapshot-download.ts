/**
 * GET a snapshot's Parquet file, streamed from the ingestion service's
 * DownloadSnapshot straight into the response: the bytes as published, so
 * DuckDB, pandas or Spark read the download as it is. `ETag` is the file's
 * sha256, so `If-None-Match` answers 304 without a byte sent; `Range` answers
 * 206 with the right slice (single ranges, see byte-range.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ingestion } from '@l1g1/contracts';
import { errors, fromServiceError, L1g1Error, pauseUntilDrained } from '@l1g1/kit';
import { errorBody } from '../../http-errors';
import type { Upstream } from '../../upstreams';
import { etagMatches, parseRange } from '../byte-range';
import { forwardMetadata, guarded } from '../common';

/** The registered media type of Parquet (IANA, 2024). */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** What the first chunk of DownloadSnapshot says about the file. */
interface FileHead {
  totalSize: number;
  sha256: string;
  version: number;
}

/**
 * Streams `ref`'s Parquet file as the answer to `req`. The size is only known
 * from the first chunk: a Range within it is cut from it, one starting later
 * is asked of the service by offset; the stream is cancelled once the range
 * is sent. The first chunk is at most 1 MiB, so a 304 costs at most that.
 */
export async function sendSnapshotFile(
  client: ingestion.IngestionServiceClient,
  guard: Upstream,
  req: FastifyRequest,
  reply: FastifyReply,
  ref: { name: string; snapshot: number },
  options: { deadlineMs: number },
): Promise<void> {
  const stream = client.downloadSnapshot({ snapshot: ref, offset: 0, length: 0 }, forwardMetadata(req), { deadline: Date.now() + options.deadlineMs });
  // Cancelling ends the stream with an error; after the first message nobody else listens for it.
  stream.on('error', () => undefined);
  // Wait for the first chunk so that NOT_FOUND is a proper 404 and the headers can carry the size and sha256.
  const first = await guarded(guard, () =>
    new Promise<ingestion.DownloadSnapshotChunk>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', (err) => reject(fromServiceError(err as never)));
      stream.once('end', () => reject(errors.internal('ingestion ended the download without a chunk')));
    }),
  );
  stream.pause();
  const head: FileHead = { totalSize: first.totalSize, sha256: first.sha256, version: first.version };
  const etag = `"${head.sha256}"`;
  const size = head.totalSize;
  const common = { etag, 'accept-ranges': 'bytes', 'x-l1g1-sha256': head.sha256, 'cache-control': 'no-cache' };

  if (etagMatches(req.headers['if-none-match'], etag)) {
    stream.cancel();
    await reply.code(304).headers(common).send();
    return;
  }
  const range = parseRange(req.headers['range'], size);
  if (range === 'unsatisfiable') {
    stream.cancel();
    const e = new L1g1Error('OUT_OF_RANGE', `range: ${String(req.headers['range']).slice(0, 60)} is outside the snapshot file's ${size} bytes`, {
      reason: 'RANGE_NOT_SATISFIABLE',
      field: 'range',
    });
    await reply.code(416).headers({ ...common, 'content-range': `bytes */${size}` }).type('application/json').send(errorBody(e));
    return;
  }

  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1; // inclusive
  // A range that starts past the first chunk is asked of the service by
  // offset (of the same, immutable version), so the bytes before it are
  // never read nor sent.
  const source =
    start > 0 && start >= first.data.length
      ? client.downloadSnapshot({ snapshot: { name: ref.name, snapshot: head.version }, offset: start, length: end - start + 1 }, forwardMetadata(req), {
          deadline: Date.now() + options.deadlineMs,
        })
      : stream;
  if (source !== stream) stream.cancel();
  reply.raw.on('close', () => source.cancel());
  reply.hijack();
  reply.raw.writeHead(range ? 206 : 200, {
    ...common,
    'content-type': PARQUET_CONTENT_TYPE,
    'content-length': String(size === 0 ? 0 : end - start + 1),
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    'content-disposition': `attachment; filename="${ref.name}-v${head.version}.parquet"`,
  });
  let offset = source === stream ? 0 : start; // of the next chunk's first byte in the file
  const onChunk = (m: ingestion.DownloadSnapshotChunk): void => {
    const chunk = m.data;
    const from = Math.max(start - offset, 0);
    const to = Math.min(end + 1 - offset, chunk.length);
    offset += chunk.length;
    if (to > from && !reply.raw.write(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to))) {
      pauseUntilDrained(source, reply.raw);
    }
    if (offset > end && !reply.raw.writableEnded) {
      // The range is complete: stop reading the rest of the file.
      source.cancel();
      reply.raw.end();
    }
  };
  source.on('end', () => {
    if (!reply.raw.writableEnded) reply.raw.end();
  });
  source.on('error', () => {
    // Headers are gone: a failure now can only cut the body (the client sees a short download).
    if (!reply.raw.writableEnded) reply.raw.destroy();
  });
  if (source === stream) onChunk(first);
  if (!reply.raw.writableEnded) {
    source.on('data', onChunk);
    source.resume();
  }
}
