/**
 * The ingestion service (issue 7): raw files in many formats become cleaned,
 * immutable, numbered dataset snapshots.
 *
 * `startIngestion` composes the deps (stores, blobs, job queue and worker)
 * and the server; `main.ts` wraps it with config, telemetry and signals, and
 * tests and the launcher call it directly. The domain's building blocks are
 * exported too (parsers, cleaning, privacy, detection, the record shapes).
 */

export { loadIngestionConfig, type IngestionConfig } from './config';
export { INGESTION_SERVICE_NAME } from './server';
export type { IngestionDeps } from './deps';
export type * from './domain/ports';
export { INGESTION_JOB_KINDS } from './adapters/jobs/job-runner';

export * from './domain/record';
export * from './domain/cleaning';
export * from './domain/privacy';
export * from './domain/detect';
export * from './domain/pipeline';
export { createCleaningSteps, createCleaningStepsFromOptions } from './domain/ingest/cleaning-steps';
export * as archives from './adapters/archives';
export * as textParsers from './parsers/text';
export * as binaryParsers from './parsers/binary';
export * from './domain/snapshot/stored-record';
export { startIngestion, type StartIngestionOptions, type RunningIngestion } from './start-ingestion';
