/** The per-upload pipeline: detect, expand archives, parse with injected parsers, report per file. */
export { runUploadPipeline, DEFAULT_MAX_FILES, type UploadPipelineDeps } from './run-upload';
export { ARCHIVE_LIMIT_EXCEEDED, type ArchiveExpander, type ArchiveItem } from './archive-port';
export type { Parser, ParserMap } from './parser';
export type { RecordSink } from './record-sink';
export { summarise, type FileError, type FileReport, type UploadReport } from './upload-report';
