/**
 * The composition root's body: opens the trainer's storage (job queue,
 * checkpoint rows, blobs), wires the clients of ingestion and the registry,
 * the job runner and the handlers, and serves them over gRPC. Kept apart
 * from index.ts so main.ts loads only what the service runs.
 */
import { ingestion, registry } from '@l1g1/contracts';
import { createGrpcClient, createJobWorker, createKeyVerifier, createTokenBuckets, loadInternalSecret, openJobStore, openKeyStore, servicePrincipal, startGrpcServer, type Logger } from '@l1g1/kit';
import { createIngestionReader } from './adapters/ingestion-reader';
import { openCheckpointStore } from './adapters/open-checkpoint-store';
import { detectCodeVersion } from './adapters/code-version';
import { createRegistryRegistrar } from './adapters/registry-registrar';
import { TRAIN_JOB_KIND, trainJobSubjects } from './domain/jobs/job-params';
import { createTrainJobHandler } from './jobs/train-job';
import { mkdirSync } from 'node:fs';
import { openTrainerBlobStore } from './adapters/open-blob-store';
import type { TrainerConfig } from './config';
import type { TrainerDeps } from './deps';
import { trainerServiceBinding } from './server';
import { implementedArchitectures } from './models/create-model';

/** Options of {@link startTrainer}. */
export interface StartTrainerOptions {
  logger: Logger;
}

/** A running trainer service. */
export interface RunningTrainer {
  /** `host:port` clients dial (the bound port when the config asked for 0). */
  readonly address: string;
  readonly port: number;
  readonly deps: TrainerDeps;
  /** Where blobs live (`files` or the bucket URL), for the startup log. */
  readonly blobStore: string;
  /**
   * Graceful stop: refuses new calls, lets in-flight calls finish, gives
   * running jobs back to the queue (they resume from their last checkpoint),
   * closes the stores. Safe to call more than once.
   */
  close(): Promise<void>;
}

/** Opens the service's storage and serves it over gRPC. */
export async function startTrainer(config: TrainerConfig, options: StartTrainerOptions): Promise<RunningTrainer> {
  const { logger } = options;
  mkdirSync(config.trainerDir, { recursive: true });
  const blobs = openTrainerBlobStore(config.blobs);
  // Undone in reverse order when a later step fails.
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const jobs = await openJobStore({ databaseUrl: config.databaseUrl, dataDir: config.trainerDir, logger });
    cleanups.push(() => jobs.close());
    // Jobs an older build stored without subjects: given them once, so ListJobs' filters find them.
    await jobs.backfillSubjects([TRAIN_JOB_KIND], trainJobSubjects);
    const checkpoints = await openCheckpointStore({ databaseUrl: config.databaseUrl, databasePath: config.databasePath });
    cleanups.push(() => checkpoints.close());
    const internalSecret = loadInternalSecret(config.auth.internalSecret, config.auth.dataDir);
    const ingestionClient = createGrpcClient(ingestion.IngestionServiceClient, config.ingestionAddress, {
      identity: { principal: servicePrincipal('trainer', ['read']), internalSecret },
    });
    cleanups.push(async () => ingestionClient.close());
    const registryClient = createGrpcClient(registry.ModelRegistryServiceClient, config.registryAddress, {
      identity: { principal: servicePrincipal('trainer', ['read', 'write']), internalSecret },
    });
    cleanups.push(async () => registryClient.close());
    const registrar = createRegistryRegistrar(registryClient);
    const deps: TrainerDeps = {
      config,
      logger,
      jobs,
      blobs: blobs.store,
      checkpoints,
      ingestion: createIngestionReader(ingestionClient),
      registrar,
      capabilities: { architectures: new Set(implementedArchitectures()) },
    };
    const worker = createJobWorker({
      store: jobs,
      logger,
      concurrency: config.concurrency,
      leaseMs: config.leaseMs,
      pollMs: 250,
      handlers: {
        [TRAIN_JOB_KIND]: createTrainJobHandler({
          blobs: blobs.store,
          checkpoints,
          ingestion: deps.ingestion,
          registrar,
          logger,
          maxDatasetBytes: config.maxDatasetBytes,
          codeVersion: detectCodeVersion(config.codeVersion),
        }),
      },
    });
    // Stopped before the stores close: running jobs go back to the queue and resume from their checkpoints.
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
    const server = await startGrpcServer(config.address, { logger, services: [trainerServiceBinding(deps)], auth, tls: config.tls });
    let closing: Promise<void> | undefined;
    return {
      address: server.address,
      port: server.port,
      deps,
      blobStore: blobs.describe,
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
