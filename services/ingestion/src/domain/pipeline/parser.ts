import type { DocumentFormat } from '../detect/source-format';
import type { FileSource, ParsedRecord } from '../record';

/**
 * A format's parser as the pipeline calls it: one file in, its records out,
 * in order. A malformed file throws an L1g1Error INVALID_ARGUMENT (reason
 * MALFORMED_FILE or more specific) naming the file and the position, with
 * `file` and the position fields in its metadata.
 */
export type Parser = (source: FileSource) => AsyncIterable<ParsedRecord>;

/** The parsers an upload may use, by format; a format without one is reported as unsupported. */
export type ParserMap = Partial<Record<DocumentFormat, Parser>>;
