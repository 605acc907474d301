/**
 * Text-format parsers of the ingestion service (issue 7): TXT, Markdown,
 * HTML, CSV/TSV, sensor CSV, JSON, JSONL, SRT and WebVTT. Each is an async
 * generator over a `FileSource` yielding `ParsedRecord`s, free of global
 * state so it can run in a worker thread; malformed input throws an
 * INVALID_ARGUMENT `L1g1Error` naming the file and position.
 */
export { parseText, parseMarkdown } from './parse-text';
export type { TextOptions, TextSplit, TextDecodingOptions } from './text-options';
export type { TextLimits } from './text-limits';
export { DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_FILE_BYTES } from './text-limits';
export { detectEncoding, normalizeEncodingLabel, type DetectedEncoding, type EncodingSource } from './text-encoding';
export { malformedFile, type FaultPosition } from './malformed-file';
export { parseCsv, parseTsv } from './parse-csv';
export { parseSensorCsv } from './parse-sensor-csv';
export type { CsvDialect, CsvOptions, SensorCsvOptions } from './csv-options';
export { parseTimestampUs, type TimestampUnit } from './timestamp';
export { parseJson } from './parse-json';
export { parseJsonl } from './parse-jsonl';
export type { JsonOptions } from './json-options';
export { parseSrt, parseVtt } from './parse-subtitles';
export { parseHtml } from './parse-html';
export { textOptionsFromProto, csvOptionsFromProto, jsonOptionsFromProto, sensorCsvOptionsFromProto } from './proto-options';
