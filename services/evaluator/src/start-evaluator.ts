/**
 * The composition root's body: opens the evaluator's storage (job queue, runs,
 * gates, benchmarks: see storage-plan.ts), wires the clients of ingestion, the registry and
 * inference, the job runner and the handlers, and serves them over gRPC.
 * Kept apart from index.ts so main.ts loads only what the service runs.
 */
import { inference, ingestion, registry } from '@l1g1/contracts';
import { createGrpcClient, createJobWorker, createKeyVerifier, createTokenBuckets, loadInternalSecret, openJobStore, openKeyStore, servicePrincipal, startGrpcServer, type JobHandler, type Logger } from '@l1g1/kit';
import { mkdirSync } from 'node:fs';
import { createAliasMover } from './adapters/alias-mover';
import { createPredictor } from './adapters/inference-predictor';
import { createSnapshotReader } from './adapters/ingestion-reader';
import { createModelRegistry } from './adapters/model-registry';
import { openPostgresBenchmarkStore } from './adapters/postgres-benchmark-store';
import { openPostgresEvaluationStore } from './adapters/postgres-evaluation-store';
import { openPostgresGateStore } from './adapters/postgres-gate-store';
import { openSqliteEvaluationStore } from './adapters/sqlite-evaluation-store';
import { openSqliteGateStore } from './adapters/sqlite-gate-store';
import { openSqliteBenchmarkStore } from './adapters/sqlite-benchmark-store';
import { createTimedPredictor } from './adapters/timed-predictor';
import type { EvaluatorConfig } from './config';
import type { EvaluatorDeps } from './deps';
import { evaluatorJobHandlers } from './jobs';
import { evaluatorServiceBinding } from './server';
import { evaluatorStoragePlan, openAt } from './storage-plan';

/** Options of {@link startEvaluator}. */
export interface StartEvaluatorOptions {
  logger: Logger;
}

/** A running evaluator service. */
export interface RunningEvaluator {
  /** `host:port` clients dial (the bound port when the config asked for 0). */
  readonly address: string;
  readonly port: number;
  readonly deps: EvaluatorDeps;
  /**
   * Graceful stop: refuses new calls, lets in-flight calls finish, gives
   * running jobs back to the queue, closes the stores. Safe to call more
   * than once.
   */
  close(): Promise<void>;
}

/** Opens the service's storage and serves it over gRPC. */
export async function startEvaluator(config: EvaluatorConfig, options: StartEvaluatorOptions): Promise<RunningEvaluator> {
  const { logger } = options;
  mkdirSync(config.evaluatorDir, { recursive: true });
  // Undone in reverse order when a later step fails.
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const jobs = await openJobStore({ databaseUrl: config.databaseUrl, dataDir: config.evaluatorDir, logger });
    cleanups.push(() => jobs.close());
    // Runs, gates and benchmarks live where the jobs do: PostgreSQL in scaled mode (every replica sees
    // every run, gate, decision and benchmark), else SQLite files.
    const plan = evaluatorStoragePlan(config);
    const evaluations = await openAt(plan.runs, (url) => openPostgresEvaluationStore(url), openSqliteEvaluationStore);
    cleanups.push(() => evaluations.close());
    const gates = await openAt(plan.gates, (url) => openPostgresGateStore(url), openSqliteGateStore);
    cleanups.push(() => gates.close());
    const benchmarks = await openAt(plan.benchmarks, (url) => openPostgresBenchmarkStore(url), openSqliteBenchmarkStore);
    cleanups.push(() => benchmarks.close());
    const internalSecret = loadInternalSecret(config.auth.internalSecret, config.auth.dataDir);
    // Reads snapshots, resolves versions and records metrics, predicts: the scopes of those calls only.
    const ingestionClient = createGrpcClient(ingestion.IngestionServiceClient, config.ingestionAddress, {
      identity: { principal: servicePrincipal('evaluator', ['read']), internalSecret },
    });
    cleanups.push(async () => ingestionClient.close());
    const registryClient = createGrpcClient(registry.ModelRegistryServiceClient, config.registryAddress, {
      identity: { principal: servicePrincipal('evaluator', ['read', 'write']), internalSecret },
    });
    cleanups.push(async () => registryClient.close());
    // No identity interceptor: each alias move carries its own signed principal (the gate's caller).
    const aliasClient = createGrpcClient(registry.ModelRegistryServiceClient, config.registryAddress, { tls: config.tls });
    cleanups.push(async () => aliasClient.close());
    const inferenceClient = createGrpcClient(inference.InferenceServiceClient, config.inferenceAddress, {
      identity: { principal: servicePrincipal('evaluator', ['read', 'predict']), internalSecret },
    });
    cleanups.push(async () => inferenceClient.close());
    const deps: EvaluatorDeps = {
      config,
      logger,
      jobs,
      evaluations,
      snapshots: createSnapshotReader(ingestionClient),
      registry: createModelRegistry(registryClient),
      predictor: createPredictor(inferenceClient),
      gates,
      aliases: createAliasMover(aliasClient, internalSecret),
      timedPredictor: createTimedPredictor(inferenceClient),
      benchmarks,
    };
    const handlers: Record<string, JobHandler> = evaluatorJobHandlers(deps);
    const worker = createJobWorker({ store: jobs, logger, concurrency: config.concurrency, leaseMs: config.leaseMs, pollMs: 250, handlers });
    // Stopped before the stores close: running jobs go back to the queue.
    cleanups.push(() => worker.stop());
    const keys = await openKeyStore(config.auth);
    cleanups.push(() => keys.close());
    const auth = {
      verifier: createKeyVerifier({ store: keys, cacheTtlMs: config.auth.cacheTtlMs }),
      internalSecret,
      allowAnonymous: config.auth.allowAnonymous,
      rateLimit: { buckets: createTokenBuckets(), defaultKeyQps: config.auth.defaultKeyQps },
    };
    worker.start();
    const server = await startGrpcServer(config.address, { logger, services: [evaluatorServiceBinding(deps)], auth, tls: config.tls });
    let closing: Promise<void> | undefined;
    return {
      address: server.address,
      port: server.port,
      deps,
      close() {
        closing ??= (async () => {
          await server.shutdown(config.shutdownGraceMs);
          await undo();
        })();
        return closing;
      },
    };
  } catch (err: unknown) {
    await undo();
    throw err;
  }
}
