/**
 * The composition root's body: opens the labeling store (SQLite, or
 * PostgreSQL with L1G1_DATABASE_URL), wires the ingestion client and the
 * handlers, and serves them over gRPC. Kept apart from index.ts so main.ts
 * loads only what the service runs.
 */
import { inference, ingestion, registry } from '@l1g1/contracts';
import { createBatchPredictor, createGrpcClient, createJobWorker, createKeyVerifier, createTokenBuckets, loadInternalSecret, openJobStore, openKeyStore, servicePrincipal, startGrpcServer, type Logger } from '@l1g1/kit';
import { createModelVersions } from './adapters/model-versions';
import { mkdirSync } from 'node:fs';
import { createIngestionRecordSource } from './adapters/ingestion-records';
import { createIngestionSnapshotSink } from './adapters/ingestion-snapshots';
import { openLabelingStore } from './adapters/store/open-store';
import type { LabelingConfig } from './config';
import type { LabelingDeps } from './deps';
import { LABELING_JOB_KINDS, labelingJobHandlers } from './jobs';
import { labelingJobSubjects } from './jobs/submit-labeling-job';
import { labelingServiceBinding } from './server';

/** Options of {@link startLabeling}. */
export interface StartLabelingOptions {
  logger: Logger;
  /** Epoch milliseconds (default Date.now); tests move it to expire reservations. */
  now?: () => number;
}

/** A running labeling service. */
export interface RunningLabeling {
  /** `host:port` clients dial (the bound port when the config asked for 0). */
  readonly address: string;
  readonly port: number;
  readonly deps: LabelingDeps;
  /** Graceful stop: refuses new calls, lets in-flight calls finish, gives running jobs back to the queue, closes the stores. Safe to call more than once. */
  close(): Promise<void>;
}

/** Opens the service's storage and serves it over gRPC. */
export async function startLabeling(config: LabelingConfig, options: StartLabelingOptions): Promise<RunningLabeling> {
  const { logger } = options;
  mkdirSync(config.labelingDir, { recursive: true });
  // Undone in reverse order when a later step fails.
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const store = await openLabelingStore({ databaseUrl: config.databaseUrl, databasePath: config.databasePath });
    cleanups.push(() => store.close());
    const internalSecret = loadInternalSecret(config.auth.internalSecret, config.auth.dataDir);
    const ingestionClient = createGrpcClient(ingestion.IngestionServiceClient, config.ingestionAddress, {
      identity: { principal: servicePrincipal('labeling', ['read', 'write']), internalSecret },
    });
    cleanups.push(async () => ingestionClient.close());
    const jobs = await openJobStore({ databaseUrl: config.databaseUrl, dataDir: config.labelingDir, logger });
    cleanups.push(() => jobs.close());
    // Jobs an older build stored without subjects: given them once, so ListJobs' project filter finds them.
    await jobs.backfillSubjects(LABELING_JOB_KINDS.map((k) => k.kind), labelingJobSubjects);
    // Pre-labels resolve a version and predict: the scopes of those calls only.
    const registryClient = createGrpcClient(registry.ModelRegistryServiceClient, config.registryAddress, {
      identity: { principal: servicePrincipal('labeling', ['read']), internalSecret },
    });
    cleanups.push(async () => registryClient.close());
    const inferenceClient = createGrpcClient(inference.InferenceServiceClient, config.inferenceAddress, {
      identity: { principal: servicePrincipal('labeling', ['read', 'predict']), internalSecret },
    });
    cleanups.push(async () => inferenceClient.close());
    const deps: LabelingDeps = {
      config,
      logger,
      store,
      jobs,
      records: createIngestionRecordSource(ingestionClient),
      models: createModelVersions(registryClient),
      // Users' variant policy applies: a variant marked not usable is refused here too.
      scores: createBatchPredictor(inferenceClient),
      snapshots: createIngestionSnapshotSink(ingestionClient),
      now: options.now ?? Date.now,
    };
    const worker = createJobWorker({ store: jobs, logger, concurrency: config.jobConcurrency, leaseMs: config.jobLeaseMs, pollMs: 250, handlers: labelingJobHandlers(deps) });
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
    const server = await startGrpcServer(config.address, { logger, services: [labelingServiceBinding(deps)], auth, tls: config.tls });
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
