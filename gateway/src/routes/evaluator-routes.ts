/**
 * REST + SSE for the evaluator service: evaluation runs
 * (`/v1/evaluations`), benchmarks streamed as SSE (`/v1/benchmarks`),
 * precision-variant comparisons (`/v1/comparisons`) and promotion gates
 * (`/v1/gates`, `{gate_id}:evaluate`, decisions). Scopes come from the
 * default rule (GET read, everything else write): `:evaluate` with
 * `promote` moves an alias, which needs `write` when done directly
 * (PUT /v1/models/{name}/aliases/{alias}), so the default is the same
 * scope. Every parameter is checked here before the upstream is called.
 */
import type { FastifyInstance } from 'fastify';
import { rpc } from './common';
import type { GatewayConfig } from '../config';
import type { Upstreams } from '../upstreams';
import { page, type Query } from './ingestion/request-parsers';
import { streamBenchmark } from './evaluator/benchmark-stream';
import { compareVariantsJson, evaluationRunJson, gateDecisionJson, gateJson, listEvaluationsJson, listGateDecisionsJson, listGatesJson } from './evaluator/evaluator-json';
import {
  benchmarkRequest,
  compareVariantsRequest,
  createGateRequest,
  evaluateGateRequest,
  evaluateRequest,
  gateIdParam,
  getEvaluationRequest,
  listEvaluationsRequest,
  listGateDecisionsRequest,
  runIdParam,
  updateGateRequest,
} from './evaluator/request-parsers';

type Params = Record<string, string>;

/** Longest wait for a benchmark's first message before its SSE answer starts (see benchmark-stream.ts). */
const BENCHMARK_GRACE_MS = 1000;

export function registerEvaluatorRoutes(app: FastifyInstance, up: Upstreams, config: GatewayConfig): void {
  const client = up.evaluator;
  const guard = up.guard.evaluator;
  const open = new Set<() => void>();
  // Shutdown must not wait for benchmarks still measuring.
  app.addHook('preClose', (done) => {
    for (const close of open) close();
    done();
  });
  const gateId = (params: unknown): string => gateIdParam((params as Params)['gate_id']);

  app.post('/v1/evaluations', async (req, reply) => {
    const run = await rpc(guard, client.evaluate.bind(client), evaluateRequest(req.body), req);
    return reply.code(202).header('location', `/v1/evaluations/${encodeURIComponent(run.runId)}`).send(evaluationRunJson(run));
  });

  app.get('/v1/evaluations', async (req) => listEvaluationsJson(await rpc(guard, client.listEvaluations.bind(client), listEvaluationsRequest(req.query as Query), req)));

  app.get('/v1/evaluations/:run_id', async (req) => {
    const request = getEvaluationRequest(runIdParam((req.params as Params)['run_id']), req.query as Query);
    return evaluationRunJson(await rpc(guard, client.getEvaluation.bind(client), request, req));
  });

  app.post('/v1/benchmarks', async (req, reply) => {
    const request = benchmarkRequest(req.body);
    const options = { heartbeatMs: config.sseHeartbeatMs, maxLifeMs: config.uploadTimeoutMs, graceMs: Math.min(BENCHMARK_GRACE_MS, config.sseHeartbeatMs) };
    await streamBenchmark(client, guard, req, reply, request, options, open);
  });

  app.post('/v1/comparisons', async (req) => compareVariantsJson(await rpc(guard, client.compareVariants.bind(client), compareVariantsRequest(req.body), req)));

  app.post('/v1/gates', async (req, reply) => {
    const gate = await rpc(guard, client.createGate.bind(client), createGateRequest(req.body), req);
    return reply.code(201).header('location', `/v1/gates/${encodeURIComponent(gate.name)}`).send(gateJson(gate));
  });

  app.get('/v1/gates', async (req) => listGatesJson(await rpc(guard, client.listGates.bind(client), { page: page(req.query as Query) }, req)));

  app.get('/v1/gates/:gate_id', async (req) => gateJson(await rpc(guard, client.getGate.bind(client), { name: gateId(req.params) }, req)));

  app.patch('/v1/gates/:gate_id', async (req) => gateJson(await rpc(guard, client.updateGate.bind(client), updateGateRequest(gateId(req.params), req.body), req)));

  app.delete('/v1/gates/:gate_id', async (req, reply) => {
    await rpc(guard, client.deleteGate.bind(client), { name: gateId(req.params) }, req);
    return reply.code(204).send();
  });

  // `{gate_id}:evaluate` (AIP-136 custom method); the regex keeps the colon out of the id.
  app.post('/v1/gates/:gate_id(^[^/:]+)::evaluate', async (req) => {
    const request = evaluateGateRequest(gateId(req.params), req.body);
    return gateDecisionJson(await rpc(guard, client.evaluateGate.bind(client), request, req));
  });

  app.get('/v1/gates/:gate_id/decisions', async (req) => {
    const request = listGateDecisionsRequest(gateId(req.params), req.query as Query);
    return listGateDecisionsJson(await rpc(guard, client.listGateDecisions.bind(client), request, req));
  });
}
