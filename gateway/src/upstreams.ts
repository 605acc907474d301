import CircuitBreaker from 'opossum';
import { inference, oip, registry } from '@l1g1/contracts';
import { asL1g1Error, CLIENT_FAULT_CODES, createGrpcClient, errors, L1g1Error } from '@l1g1/kit';
import type { GatewayConfig } from './config';

export type UpstreamName = 'registry' | 'inference';

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
  guard: Record<UpstreamName, Upstream>;
  close(): void;
}

/**
 * One opossum breaker per upstream service. Client faults (bad input, not
 * found, queue full ...) are the caller's, not the service's, so the error
 * filter keeps them from counting towards opening the breaker.
 */
export function createUpstream(
  name: UpstreamName,
  config: Pick<GatewayConfig, 'upstreamTimeoutMs' | 'breakerResetMs' | 'breakerErrorPercent' | 'maxInflight'>,
): Upstream {
  const breaker = new CircuitBreaker<[() => Promise<unknown>], unknown>((fn) => fn(), {
    name,
    // A bit over the gRPC deadline, so the deadline (504 from upstream) fires first.
    timeout: config.upstreamTimeoutMs + 1000,
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
          throw errors.unavailable(`${name} service is unavailable (circuit open); retry shortly`, {
            reason: 'CIRCUIT_OPEN',
            retryAfterMs: config.breakerResetMs,
          });
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

export function createUpstreams(config: GatewayConfig): Upstreams {
  const opts = { defaultDeadlineMs: config.upstreamTimeoutMs, tls: config.grpcTls };
  const registryClient = createGrpcClient(registry.ModelRegistryServiceClient, config.registryAddress, opts);
  const inferenceClient = createGrpcClient(inference.InferenceServiceClient, config.inferenceAddress, opts);
  // The OIP client shares the inference channel options but is a separate client object.
  const oipClient = createGrpcClient(oip.GRPCInferenceServiceClient, config.inferenceAddress, opts);
  return {
    registry: registryClient,
    inference: inferenceClient,
    oip: oipClient,
    guard: {
      registry: createUpstream('registry', config),
      inference: createUpstream('inference', config),
    },
    close() {
      registryClient.close();
      inferenceClient.close();
      oipClient.close();
      for (const u of Object.values(this.guard)) u.breaker.shutdown();
    },
  };
}
