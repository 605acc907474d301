/**
 * The ingestion service (issue 7). So far: the domain's building blocks, each
 * with its tests — the record shape, format detection, the per-upload
 * pipeline, cleaning steps (normalisation, HTML, length/language filters,
 * exact and MinHash near dedupe, PII redaction), privacy statistics, and as
 * adapters the text and binary parsers and streamed archive expansion. The
 * gRPC service, gateway routes and launcher wiring come next.
 */
export * from './domain/record';
export * from './domain/cleaning';
export * from './domain/privacy';
export * from './domain/detect';
export * from './domain/pipeline';
export * as archives from './adapters/archives';
export * as textParsers from './parsers/text';
export * as binaryParsers from './parsers/binary';
export * from './domain/snapshot/stored-record';
