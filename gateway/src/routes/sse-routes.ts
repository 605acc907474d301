import type { FastifyInstance } from 'fastify';
import type { registry } from '@l1g1/contracts';
import { errors, L1g1Error, modelAllowed } from '@l1g1/kit';
import type { GatewayConfig } from '../config';
import type { Upstreams } from '../upstreams';
import { errorBody } from '../http-errors';
import { aliasEventJson } from '../rest-json';
import { publicError, sanitizeUpstreamError } from '../sanitize';
import { forwardMetadata, INT64_SAFE_MAX, intParam, rpc } from './common';
import { openEventStream } from './event-stream';

/**
 * Server-Sent Events over the registry's alias watch stream.
 * Each event carries `id: <event_id>` so a reconnecting EventSource sends
 * `Last-Event-ID` and the registry replays what it missed. Comment lines
 * keep idle connections alive through proxies.
 */
export function registerSseRoutes(app: FastifyInstance, up: Upstreams, config: GatewayConfig): void {
  const open = new Set<() => void>();
  // Shutdown must not wait for streams that never end by themselves.
  app.addHook('preClose', (done) => {
    for (const close of open) close();
    done();
  });
  app.get('/v1/events/aliases', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const lastHeader = req.headers['last-event-id'];
    const fromHeader = typeof lastHeader === 'string' && lastHeader !== '';
    // Event ids are int64 in the contract, carried as JS numbers: beyond 2^53 - 1 is refused, not rounded.
    const after = intParam(fromHeader ? lastHeader : q['last_event_id'], fromHeader ? 'Last-Event-ID' : 'last_event_id', { fallback: 0, max: INT64_SAFE_MAX });
    if (up.guard.registry.breaker.opened) {
      throw errors.unavailable('registry service is unavailable (circuit open); retry shortly', { reason: 'CIRCUIT_OPEN', retryAfterMs: config.breakerResetMs });
    }
    // An unknown model is a 404 now, not a 200 stream that errors and an EventSource reconnecting forever.
    const model = q['model'] ?? '';
    if (model !== '') {
      await rpc(up.guard.registry, up.registry.getModel.bind(up.registry), { name: model }, req).catch((err: unknown) => {
        const e = sanitizeUpstreamError('registry', err);
        throw e.kind === 'INVALID_ARGUMENT' || e.kind === 'NOT_FOUND' ? new L1g1Error(e.kind, e.message.replace(/^name: /, 'model: '), { reason: e.reason, field: 'model' }) : e;
      });
    }
    const stream = up.registry.watchAliases({ modelName: model, afterEventId: after }, forwardMetadata(req), {});
    const res = openEventStream(reply, `watching alias changes${q['model'] ? ` of ${q['model']}` : ''}`);
    const heartbeat = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), config.sseHeartbeatMs);
    const close = (): void => {
      open.delete(close);
      clearInterval(heartbeat);
      stream.cancel();
      res.end();
    };
    open.add(close);
    res.on('close', close);
    const principal = req.principal;
    stream.on('data', (e: registry.AliasEvent) => {
      // A key limited to model patterns hears only about its models.
      if (!modelAllowed(principal, e.modelName)) return;
      res.write(`id: ${e.eventId}\nevent: alias\ndata: ${JSON.stringify(aliasEventJson(e))}\n\n`);
    });
    stream.on('error', (err) => {
      const e = publicError(sanitizeUpstreamError('registry', err)).error;
      if (e.kind !== 'CANCELLED') res.write(`event: error\ndata: ${JSON.stringify(errorBody(e))}\n\n`);
      clearInterval(heartbeat);
      res.end();
    });
    stream.on('end', () => {
      clearInterval(heartbeat);
      res.end();
    });
  });
}
