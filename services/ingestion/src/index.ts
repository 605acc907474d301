/**
 * The ingestion service (issue 7). So far: the domain's building blocks
 * (record shape, parsers, cleaning, archive expansion), each with its tests;
 * the gRPC service, gateway routes and launcher wiring come next.
 */
export * from './domain/record';
export * from './domain/cleaning';
export * from './domain/privacy';
