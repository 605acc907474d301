import type { FastifyInstance } from 'fastify';
import { registry } from '@l1g1/contracts';
import { errors, fromServiceError, L1g1Error, pauseUntilDrained } from '@l1g1/kit';
import { deadlineMsFor } from '../admission/route-policy';
import type { GatewayConfig } from '../config';
import { errorBody } from '../http-errors';
import { parsePrecision } from '../rest-json';
import type { Upstreams } from '../upstreams';
import { etagMatches, parseRange } from './byte-range';
import { forwardMetadata, guarded, intParam } from './common';

/**
 * GET an artifact: streamed from the registry's download stream straight into
 * the response. `ETag` is the sha256, so `If-None-Match` answers 304 without a
 * byte sent; `Range` answers 206 with the bytes skipped before the start and
 * the stream cancelled after the end (the registry's contract has no offset,
 * and artifacts are read sequentially off disk there anyway).
 */
export function registerArtifactDownload(app: FastifyInstance, up: Upstreams, config: Pick<GatewayConfig, 'uploadTimeoutMs'>): void {
  const reg = up.registry;
  app.get('/v1/models/:name/versions/:version/artifact', async (req, reply) => {
    const { name, version } = req.params as Record<string, string>;
    const q = req.query as Record<string, string | undefined>;
    const request = { modelName: name!, version: intParam(version, 'version', { min: 1 }), precision: parsePrecision(q['precision']), chunkSize: 0 };
    // Wait for the first message (the artifact info) so that NOT_FOUND is a
    // proper 404 and the headers can carry the size and sha256.
    const stream = reg.downloadArtifact(request, forwardMetadata(req), { deadline: Date.now() + (deadlineMsFor(req) ?? config.uploadTimeoutMs) });
    // Cancelling ends the stream with an error; after the first message nobody else listens for it.
    stream.on('error', () => undefined);
    const info = await guarded(up.guard.registry, () =>
      new Promise<registry.Artifact>((resolve, reject) => {
        stream.once('data', (m: registry.DownloadArtifactResponse) => {
          if (m.payload?.$case === 'info') resolve(m.payload.value);
          else reject(errors.internal('registry sent a chunk before the artifact info'));
        });
        stream.once('error', (err) => reject(fromServiceError(err as never)));
        stream.once('end', () => reject(errors.internal('registry ended the download without the artifact info')));
      }),
    );
    stream.pause();
    const etag = `"${info.sha256}"`;
    const size = info.sizeBytes;
    const common = { etag, 'accept-ranges': 'bytes', 'x-l1g1-sha256': info.sha256, 'cache-control': 'no-cache' };

    if (etagMatches(req.headers['if-none-match'], etag)) {
      stream.cancel();
      return reply.code(304).headers(common).send();
    }
    const range = parseRange(req.headers['range'], size);
    if (range === 'unsatisfiable') {
      stream.cancel();
      const e = new L1g1Error('OUT_OF_RANGE', `range: ${String(req.headers['range']).slice(0, 60)} is outside the artifact's ${size} bytes`, { reason: 'RANGE_NOT_SATISFIABLE', field: 'range' });
      return reply.code(416).headers({ ...common, 'content-range': `bytes */${size}` }).type('application/json').send(errorBody(e));
    }

    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1; // inclusive
    reply.raw.on('close', () => stream.cancel());
    reply.hijack();
    reply.raw.writeHead(range ? 206 : 200, {
      ...common,
      'content-type': 'application/octet-stream',
      'content-length': String(size === 0 ? 0 : end - start + 1),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      'content-disposition': `attachment; filename="${name}-v${request.version}.${info.format || 'onnx'}"`,
    });
    let offset = 0; // of the next chunk's first byte in the artifact
    stream.on('data', (m: registry.DownloadArtifactResponse) => {
      if (m.payload?.$case !== 'chunk') return;
      const chunk = m.payload.value;
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      if (to > from && !reply.raw.write(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to))) {
        pauseUntilDrained(stream, reply.raw);
      }
      if (offset > end) {
        // The range is complete: stop reading the rest of the artifact.
        stream.cancel();
        reply.raw.end();
      }
    });
    stream.on('end', () => reply.raw.end());
    stream.on('error', () => {
      if (!reply.raw.writableEnded) reply.raw.destroy();
    });
    stream.resume();
  });
}
