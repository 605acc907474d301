import CircuitBreaker from 'opossum';
import { evaluator, inference, ingestion, labeling, oip, registry, trainer } from '@l1g1/contracts';
import { asL1g1Error, CLIENT_FAULT_CODES, createGrpcClient, errors, L1g1Error } from '@l1g1/kit';
import type { GatewayConfig } from './config';

export type UpstreamName = 'registry' | 'inference' | 'ingestion' | 'trainer' | 'labeling' | 'evaluator';

/** A breaker-guarded way to call one upstream service. */
export interface Upstream {
  readonly name: UpstreamName;
  readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  /** Runs `fn` through the breaker; failures come back as L1g1Errors. */
  call<T>(fn: () => Promise<T>): Promise<T>;
}

export interface Upstreams {
  registry: registry.ModelRegistryServiceClient;
  inference: inference.InferenceServiceClient;
  oip: oip.GRPCInferenceServiceClient;
  ingestion: ingestion.IngestionServiceClient;
  trainer: trainer.TrainerServiceClient;
  labeling: labeling.LabelingServiceClient;
  evaluator: evaluator.EvaluatorServiceClient;
  guard: Record<UpstreamName, Upstream>;
  close(): void;
}

/** The answer while an upstream's breaker is open (also given before the body is read). */
export function circuitOpenError(name: UpstreamName, breakerResetMs: number): L1g1Error {
  return errors.unavailable(`${name} service is unavailable (circuit open); retry shortly`, {
    reason: 'CIRCUIT_OPEN',
    retryAfterMs: breakerResetMs,
  });
}

export type UpstreamConfig = Pick<
  GatewayConfig,
  | 'upstreamTimeoutMs'
  | 'predictTimeoutMs'
  | 'uploadTimeoutMs'
  | 'breakerResetMs'
  | 'breakerErrorPercent'
  | 'breakerConsecutiveFailures'
  | 'maxInflight'
>;

/**
 * One opossum breaker per upstream service. Client faults (bad input, not
 * found, queue full ...) are the caller's, not the service's, so the error
 * filter keeps them from counting towards opening the breaker. UNAVAILABLE
 * (including a connection closed by a keepalive timeout) and
 * DEADLINE_EXCEEDED count: they are how a dead or hung peer shows.
 */
export function createUpstream(name: UpstreamName, config: UpstreamConfig): Upstream {
  const breaker = new CircuitBreaker<[() => Promise<unknown>], unknown>((fn) => fn(), {
    name,
    // Every call carries its route's gRPC deadline (the shortest fires first
    // and counts as a failure); this is only a net for a call that has none.
    timeout: Math.max(config.upstreamTimeoutMs, config.predictTimeoutMs, config.uploadTimeoutMs) + 1000,
    resetTimeout: config.breakerResetMs,
    errorThresholdPercentage: config.breakerErrorPercent,
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
    volumeThreshold: 5,
    // Admission control: at most this many calls in flight; the rest are
    // refused at once instead of piling up in the gateway and HTTP/2 buffers.
    capacity: config.maxInflight,
    errorFilter: (err: unknown) => {
      // Our own overload is not the upstream's failure.
      if ((err as { code?: unknown }).code === 'ESEMLOCKED') return true;
      const e = asL1g1Error(err);
      return CLIENT_FAULT_CODES.has(e.grpcCode);
    },
  });
  // The rolling percentage alone hides a peer that dies under traffic: its
  // window is full of successes from the seconds before, so it would take
  // up to the whole window (10 s) to open. A few failures in a row (no
  // success between them; client faults count as successes) open it now.
  let failuresInARow = 0;
  breaker.on('success', () => {
    failuresInARow = 0;
  });
  breaker.on('failure', () => {
    failuresInARow++;
    if (failuresInARow >= config.breakerConsecutiveFailures && breaker.closed) breaker.open();
  });
  return {
    name,
    breaker,
    async call<T>(fn: () => Promise<T>): Promise<T> {
      try {
        return (await breaker.fire(fn)) as T;
      } catch (err) {
        if (err instanceof L1g1Error) throw err;
        const code = (err as { code?: string }).code;
        if (code === 'EOPENBREAKER') {
          throw circuitOpenError(name, config.breakerResetMs);
        }
        if (code === 'ESEMLOCKED') {
          throw errors.resourceExhausted(`the gateway already has ${config.maxInflight} requests in flight to ${name}; retry shortly`, 100, {
            reason: 'GATEWAY_OVERLOADED',
          });
        }
        if (code === 'ETIMEDOUT') throw errors.deadlineExceeded(`${name} service did not answer in time`, { reason: 'UPSTREAM_TIMEOUT' });
        throw asL1g1Error(err);
      }
    },
  };
}

/** The upstream clients and their breakers; built once by the composition root. */
export function createUpstreams(config: GatewayConfig): Upstreams {
  // Routes pass their own deadline (predict, transfer); this is the rest's.
  const opts = {
    defaultDeadlineMs: config.upstreamTimeoutMs,
    keepaliveTimeMs: config.grpcKeepaliveTimeMs,
    keepaliveTimeoutMs: config.grpcKeepaliveTimeoutMs,
    tls: config.grpcTls,
  };
  const registryClient = createGrpcClient(registry.ModelRegistryServiceClient, config.registryAddress, opts);
  const inferenceClient = createGrpcClient(inference.InferenceServiceClient, config.inferenceAddress, opts);
  // The OIP client shares the inference channel options but is a separate client object.
  const oipClient = createGrpcClient(oip.GRPCInferenceServiceClient, config.inferenceAddress, opts);
  const ingestionClient = createGrpcClient(ingestion.IngestionServiceClient, config.ingestionAddress, opts);
  const trainerClient = createGrpcClient(trainer.TrainerServiceClient, config.trainerAddress, opts);
  const labelingClient = createGrpcClient(labeling.LabelingServiceClient, config.labelingAddress, opts);
  const evaluatorClient = createGrpcClient(evaluator.EvaluatorServiceClient, config.evaluatorAddress, opts);
  return {
    registry: registryClient,
    inference: inferenceClient,
    oip: oipClient,
    ingestion: ingestionClient,
    trainer: trainerClient,
    labeling: labelingClient,
    evaluator: evaluatorClient,
    guard: {
      registry: createUpstream('registry', config),
      inference: createUpstream('inference', config),
      ingestion: createUpstream('ingestion', config),
      trainer: createUpstream('trainer', config),
      labeling: createUpstream('labeling', config),
      evaluator: createUpstream('evaluator', config),
    },
    close() {
      registryClient.close();
      inferenceClient.close();
      oipClient.close();
      ingestionClient.close();
      trainerClient.close();
      labelingClient.close();
      evaluatorClient.close();
      for (const u of Object.values(this.guard)) u.breaker.shutdown();
    },
  };
}
