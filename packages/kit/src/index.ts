/**
 * The shared runtime kit: config, logging, the error catalogue, gRPC server
 * and client bootstrap, storage ports and tensor plumbing. Telemetry lives in
 * `@l1g1/kit/dist/telemetry` on purpose: it must load before grpc-js, and this
 * index loads grpc-js.
 */
export * from './config';
export * from './logger';
export * from './errors';
export * from './grpc-server';
export * from './grpc-client';
export * from './signals';
export * from './sqlite';
export * from './blob-store';
export * from './tensors';
export * from './metadata';
export * from './metrics-server';
export * from './ports';
export * from './auth';
export * from './log-follow';
export * from './event-log';
export * from './event-log-memory';
export * from './event-log-sqlite';
export * from './keyed-lock';
export * from './page-token';
export * from './stream-backpressure';
export * from './server-stream';
export * from './inference-batches';
export * from './postgres';
export * from './postgres-listen';
export * from './blob-store-s3';
export * from './jobs';
