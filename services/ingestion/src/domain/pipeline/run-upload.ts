import { errors, L1g1Error } from '@l1g1/kit';
import { DETECT_HEAD_BYTES, detectFormat, type DetectedFormat } from '../detect/detect-format';
import { peekSource } from '../detect/peek-source';
import { isArchiveFormat, type ArchiveFormat, type SourceFormatName } from '../detect/source-format';
import type { FileSource } from '../record';
import { ARCHIVE_LIMIT_EXCEEDED, type ArchiveExpander } from './archive-port';
import type { ParserMap } from './parser';
import type { RecordSink } from './record-sink';
import { summarise, type FileError, type FileReport, type UploadReport } from './upload-report';

/** Marks a sink's failure on its way through the parser's loop: it is the upload's fault, never the file's. */
class SinkFailure extends Error {
  constructor(readonly original: unknown) {
    super('record sink failed');
  }
}

export interface UploadPipelineDeps {
  parsers: ParserMap;
  archives: ArchiveExpander;
  /** The format the client declared for a top-level file (the proto's `format`), if any. */
  declaredFormat?: (file: string) => SourceFormatName | undefined;
  /** Files per upload, archive entries included (the report holds a line for each). Default {@link DEFAULT_MAX_FILES}. */
  maxFiles?: number;
}

export const DEFAULT_MAX_FILES = 100_000;

/** Limits whose breach refuses the upload as a whole (they are about its size, not one file's bytes). */
const TOO_MANY_FILES = 'TOO_MANY_FILES';
const UPLOAD_LIMIT_REASONS: ReadonlySet<string> = new Set([ARCHIVE_LIMIT_EXCEEDED, TOO_MANY_FILES]);

/**
 * The error that ends the whole upload rather than one file, if `err` is or
 * wraps one (a parser may re-throw it as its `cause`): the sink failed, an
 * archive broke a limit, or an error that is not about the file's bytes
 * arrived (the upload's stream was cut: CANCELLED, DEADLINE_EXCEEDED, ...).
 * The upload's own stream should report such faults as L1g1Errors; a bare
 * library error counts as the file's.
 */
function fatalCause(err: unknown): unknown {
  for (let e: unknown = err, hops = 0; e instanceof Error && hops < 8; e = e.cause, hops += 1) {
    if (e instanceof SinkFailure) return e;
    if (e instanceof L1g1Error && (UPLOAD_LIMIT_REASONS.has(e.reason) || e.kind !== 'INVALID_ARGUMENT')) return e;
  }
  return undefined;
}

/** A parser's own fault report (a client's bad file), or undefined for anything else (a bug, a library's crash). */
function clientFault(err: unknown): L1g1Error | undefined {
  return err instanceof L1g1Error && err.kind === 'INVALID_ARGUMENT' ? err : undefined;
}

function fileError(file: string, err: unknown): { error: FileError; cause?: unknown } {
  const known = clientFault(err);
  if (known !== undefined) {
    return { error: { reason: known.reason, message: known.message, metadata: { file, ...known.metadata } } };
  }
  // Whatever a library threw may hold paths or internals: the user gets a stable line, the log gets the cause.
  return {
    error: { reason: 'PARSE_FAILED', message: `${file}: could not be parsed`, metadata: { file } },
    cause: err,
  };
}

function formatError(file: string, reason: string, message: string): FileError {
  return { reason, message: `${file}: ${message}`, metadata: { file } };
}

/**
 * One upload through the chain: each file is detected (declared format,
 * then content, then name), archives are expanded into their files, every
 * file goes to its format's parser and its records to the sink. A file that
 * fails (malformed, unknown or unsupported format) is reported with its
 * error and its records discarded; the other files go on. An archive that
 * breaks a limit rejects the whole upload (the sink's owner keeps nothing);
 * so does a failure of the sink or of the upload's own stream.
 */
export async function runUploadPipeline(
  sources: AsyncIterable<FileSource> | Iterable<FileSource>,
  sink: RecordSink,
  deps: UploadPipelineDeps,
): Promise<UploadReport> {
  const files: FileReport[] = [];
  const maxFiles = deps.maxFiles ?? DEFAULT_MAX_FILES;
  const addLine = (line: FileReport): void => {
    if (files.length >= maxFiles) {
      throw errors.invalidArgument('files', `the upload holds more than ${maxFiles} files`, {
        reason: TOO_MANY_FILES,
        metadata: { file: line.file, limit: 'max_files', limit_value: String(maxFiles) },
      });
    }
    files.push(line);
  };

  async function parseOne(source: FileSource, detected: DetectedFormat): Promise<void> {
    const line: FileReport = { file: source.name, format: detected.format, detectedBy: detected.by, status: 'ok', records: 0 };
    addLine(line);
    const format = detected.format;
    if (format === 'unknown' || isArchiveFormat(format)) {
      line.status = 'failed';
      line.error = formatError(source.name, 'UNKNOWN_FORMAT', 'format not recognised by content or name');
      return;
    }
    const parser = deps.parsers[format];
    if (parser === undefined) {
      line.status = 'failed';
      line.error = formatError(source.name, 'UNSUPPORTED_FORMAT', `format ${format} is not supported`);
      return;
    }
    let records = 0;
    try {
      for await (const record of parser(source)) {
        await writeOrFail(() => sink.write(source.name, record));
        records += 1;
      }
    } catch (err) {
      const fatal = fatalCause(err);
      if (fatal !== undefined) throw fatal;
      await writeOrFail(() => sink.discardFile(source.name));
      const { error, cause } = fileError(source.name, err);
      Object.assign(line, { status: 'failed', records: 0, error }, cause === undefined ? {} : { cause });
      return;
    }
    await writeOrFail(() => sink.commitFile(source.name));
    line.records = records;
  }

  async function expandOne(source: FileSource, detected: DetectedFormat & { format: ArchiveFormat }): Promise<void> {
    const line: FileReport = { file: source.name, format: detected.format, detectedBy: detected.by, status: 'ok', records: 0, entries: 0 };
    addLine(line);
    try {
      for await (const item of deps.archives.expand(source, detected.format)) {
        line.entries = (line.entries ?? 0) + 1;
        if (item.kind === 'skipped') {
          addLine({ file: item.name, format: 'unknown', detectedBy: 'name', status: 'skipped', records: 0, error: fileError(item.name, item.error).error });
          continue;
        }
        await parseOne(item.source, item.detected);
      }
    } catch (err) {
      const fatal = fatalCause(err);
      if (fatal !== undefined) throw fatal;
      const { error, cause } = fileError(source.name, err);
      Object.assign(line, { status: 'failed', error }, cause === undefined ? {} : { cause });
    }
  }

  try {
    for await (const source of sources) {
      const peeked = await peekSource(source, DETECT_HEAD_BYTES);
      try {
        const declared = deps.declaredFormat?.(source.name);
        const detected = detectFormat({ name: source.name, head: peeked.head, whole: peeked.whole, ...(declared === undefined ? {} : { declared }) });
        const format = detected.format;
        if (isArchiveFormat(format)) await expandOne(peeked.source, { ...detected, format });
        else await parseOne(peeked.source, detected);
      } finally {
        await peeked.release();
      }
    }
  } catch (err) {
    throw err instanceof SinkFailure ? err.original : err;
  }
  return summarise(files);
}

async function writeOrFail(op: () => Promise<void>): Promise<void> {
  try {
    await op();
  } catch (err) {
    throw new SinkFailure(err);
  }
}
