/**
 * The composition root's body: opens the ingestion service's storage (metadata
 * store, job queue, blobs), wires publisher, snapshot readers, job handlers and
 * handlers, and serves them over gRPC. Kept apart from index.ts so that
 * main.ts loads only what the service runs, not every parser library the
 * package exports (those load on first use, in the worker thread).
 */
import { inference } from '@l1g1/contracts';
import { createGrpcClient, createKeyVerifier, createTokenBuckets, loadInternalSecret, servicePrincipal, unary, openJobStore, openKeyStore, startGrpcServer, type Logger } from '@l1g1/kit';
import { mkdirSync } from 'node:fs';
import { openIngestionBlobStore } from './adapters/blobs/open-blob-store';
import { createIngestionJobRunner, INGESTION_JOB_KINDS } from './adapters/jobs/job-runner';
import { ingestionJobSubjects } from './handlers/mappers';
import { openIngestionStore } from './adapters/store/open-store';
import { createSnapshotFileCache } from './adapters/snapshot-file-cache';
import { createSnapshotPublisher } from './adapters/snapshot-publisher';
import { createSnapshotSource } from './adapters/snapshot-source';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startIngestThread } from './adapters/ingest-thread';
import { readUploadManifest } from './adapters/spool/upload-manifest';
import { createIngestJobHandler, INGEST_JOB_KIND } from './domain/ingest/ingest-job';
import type { IngestionConfig } from './config';
import type { IngestionDeps } from './deps';
import { ingestionServiceBinding } from './server';
import { ALIGN_JOB_KIND, createAlignJobHandler } from './jobs/align-job';
import { CONFIDENCE_FILTER_JOB_KIND, createConfidenceFilterJobHandler } from './jobs/confidence-filter-job';
import { createInferenceScorer } from './adapters/inference-scorer';
import { createRegistryClient } from './adapters/registry-client';

/** Options of {@link startIngestion}. */
export interface StartIngestionOptions {
  logger: Logger;
  /**
   * Called with the composed deps before the worker starts and the server
   * listens: where a test or an extension registers extra job handlers.
   */
  compose?: (deps: IngestionDeps) => void;
}

/** A running ingestion service. */
export interface RunningIngestion {
  /** `host:port` clients dial (the bound port when the config asked for 0). */
  readonly address: string;
  readonly port: number;
  /** The composed deps (stores, blobs, jobs, worker), for tests and in-process callers. */
  readonly deps: IngestionDeps;
  /** Where blobs live (`files` or the bucket URL), for the startup log. */
  readonly blobStore: string;
  /**
   * Graceful stop: refuses new calls, lets in-flight calls finish (up to the
   * configured grace), gives running jobs back to the queue, closes the
   * stores. Safe to call more than once.
   */
  close(): Promise<void>;
}

/** Opens the service's storage and serves it over gRPC. */
export async function startIngestion(config: IngestionConfig, options: StartIngestionOptions): Promise<RunningIngestion> {
  const { logger } = options;
  mkdirSync(config.ingestionDir, { recursive: true });
  mkdirSync(config.spoolDir, { recursive: true });
  const blobs = openIngestionBlobStore(config.blobs);
  // Undo in reverse order when a later step fails.
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const store = await openIngestionStore({ databaseUrl: config.databaseUrl, databasePath: config.databasePath });
    cleanups.push(() => store.close());
    const jobs = await openJobStore({ databaseUrl: config.databaseUrl, dataDir: config.ingestionDir, logger });
    cleanups.push(() => jobs.close());
    // Jobs an older build stored without subjects: given them once, so ListJobs' dataset filter finds them.
    await jobs.backfillSubjects(Object.values(INGESTION_JOB_KINDS), (params, kind) => ingestionJobSubjects(kind, params));
    const worker = createIngestionJobRunner({ store: jobs, logger, concurrency: config.maxConcurrentUploads });
    cleanups.push(() => worker.stop());
    const publisher = createSnapshotPublisher({
      store,
      blobs: blobs.store,
      workDir: join(config.ingestionDir, 'work'),
      dpBudgetTotal: config.dpBudgetEpsilon,
      logger,
    });
    const cache = createSnapshotFileCache({ dir: join(config.ingestionDir, 'cache'), blobs: blobs.store, maxBytes: config.snapshotCacheBytes });
    const snapshots = createSnapshotSource({ store, blobs: blobs.store, cache });
    const deps: IngestionDeps = { config, logger, store, blobs: blobs.store, jobs, worker, publisher, snapshots };
    deps.worker.register(
      INGEST_JOB_KIND,
      createIngestJobHandler({
        readManifest: readUploadManifest,
        store,
        snapshots,
        publisher,
        runThread: (input, o) =>
          startIngestThread(
            { ...input, workDir: join(config.ingestionDir, 'work', `ingest-${randomUUID()}`), maxFileBytes: config.maxFileBytes, maxFiles: config.maxFiles },
            o,
          ),
      }),
    );
    deps.worker.register(ALIGN_JOB_KIND, createAlignJobHandler(deps));
    // The confidence filter loads its model first (LoadModel, scope write) to pin one version and read its signature, then predicts.
    const inferenceClient = createGrpcClient(inference.InferenceServiceClient, config.inferenceAddress, {
      identity: { principal: servicePrincipal('ingestion', ['read', 'predict', 'write']), internalSecret: loadInternalSecret(config.auth.internalSecret, config.auth.dataDir) },
    });
    cleanups.push(async () => inferenceClient.close());
    // The confidence filter reads a version's class_names tag (GetVersion, scope read).
    const registryClient = createRegistryClient(config.registryAddress, {
      identity: { principal: servicePrincipal('ingestion', ['read']), internalSecret: loadInternalSecret(config.auth.internalSecret, config.auth.dataDir) },
    });
    cleanups.push(async () => registryClient.close());
    const inferenceCalls = {
      loadModel: (req: inference.LoadModelRequest) => unary(inferenceClient.loadModel.bind(inferenceClient), req),
      listLoadedModels: (req: inference.ListLoadedModelsRequest) => unary(inferenceClient.listLoadedModels.bind(inferenceClient), req),
      predict: (req: inference.PredictRequest) => unary(inferenceClient.predict.bind(inferenceClient), req),
    };
    deps.worker.register(
      CONFIDENCE_FILTER_JOB_KIND,
      createConfidenceFilterJobHandler({
        ...deps,
        registry: registryClient,
        createScorer: (req) =>
          createInferenceScorer(inferenceCalls, {
            model: req.model ?? { name: '', selector: undefined },
            precision: req.precision,
            inputName: req.inputName,
            outputName: req.outputName,
          }),
      }),
    );
    options.compose?.(deps);
    const keys = await openKeyStore(config.auth);
    cleanups.push(() => keys.close());
    const auth = {
      verifier: createKeyVerifier({ store: keys, cacheTtlMs: config.auth.cacheTtlMs }),
      internalSecret: loadInternalSecret(config.auth.internalSecret, config.auth.dataDir),
      allowAnonymous: config.auth.allowAnonymous,
      rateLimit: { buckets: createTokenBuckets(), defaultKeyQps: config.auth.defaultKeyQps },
    };
    const binding = ingestionServiceBinding(deps);
    worker.start();
    const server = await startGrpcServer(config.address, { logger, services: [binding], auth, tls: config.tls });
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
