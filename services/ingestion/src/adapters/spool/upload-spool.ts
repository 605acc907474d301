/**
 * Spools an Ingest stream to disk (issue 7, decision 3): the header first,
 * then each file's chunks written to its own file in a folder of the
 * service's spool directory, hashed and counted as they arrive, never held
 * in memory. Bounded by the upload's total bytes and file count. Any failure
 * (a limit, a size or hash mismatch, the client cutting the stream) deletes
 * the folder: nothing of a cut upload survives.
 */
import { ingestion } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkStringMap } from '../../domain/ingest/ingest-spec';
import { fromProtoSourceFormat } from '../../domain/detect/source-format';

export interface SpooledFile {
  /** The client's name (metadata only; never used as a path). */
  name: string;
  /** Absolute path of the spooled bytes (internal: never sent to a client). */
  path: string;
  sha256: string;
  sizeBytes: number;
  /** The declared format name (`jsonl`, `csv` ...), '' when detection decides. */
  format: string;
  recordMetadata: Record<string, string>;
}

export interface SpooledUpload {
  header: ingestion.IngestHeader;
  dir: string;
  files: SpooledFile[];
  totalBytes: number;
  /** Deletes the spool folder; safe to call more than once. */
  discard(): Promise<void>;
}

export interface SpoolLimits {
  maxUploadBytes: number;
  maxFiles: number;
}

/** Name of a file sent without a FileStart (a single-file upload). */
export const UNNAMED_FILE = 'upload';
const MAX_NAME_CHARS = 1024;

interface OpenFile {
  meta: SpooledFile;
  out: WriteStream;
  hash: Hash;
  expectedSha256: string;
  expectedSize: number;
  index: number;
}

function write(out: WriteStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

function close(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.end((err?: Error | null) => (err ? reject(err) : resolve()));
  });
}

/**
 * Reads `messages` (the Ingest stream, header already taken) into a new
 * folder under `spoolDir`. Rejects with INVALID_ARGUMENT / RESOURCE_EXHAUSTED
 * naming the field, or with the stream's own error, after deleting the folder.
 */
export async function spoolUpload(
  header: ingestion.IngestHeader,
  messages: AsyncIterable<ingestion.IngestRequest>,
  spoolDir: string,
  limits: SpoolLimits,
): Promise<SpooledUpload> {
  const dir = join(spoolDir, randomUUID());
  await mkdir(dir, { recursive: true });
  const files: SpooledFile[] = [];
  let current: OpenFile | undefined;
  let total = 0;
  const discard = (): Promise<void> => rm(dir, { recursive: true, force: true });

  const finish = async (f: OpenFile): Promise<void> => {
    await close(f.out);
    f.meta.sha256 = f.hash.digest('hex');
    const field = `files[${f.index}]`;
    if (f.expectedSize > 0 && f.expectedSize !== f.meta.sizeBytes) {
      throw errors.invalidArgument(`${field}.expected_size_bytes`, `${f.meta.name}: received ${f.meta.sizeBytes} bytes, expected ${f.expectedSize} (upload cut short?)`, {
        reason: 'SIZE_MISMATCH',
      });
    }
    if (f.expectedSha256 && f.expectedSha256.toLowerCase() !== f.meta.sha256) {
      throw errors.invalidArgument(`${field}.expected_sha256`, `${f.meta.name}: content hashes to ${f.meta.sha256}, expected ${f.expectedSha256}`, {
        reason: 'CHECKSUM_MISMATCH',
      });
    }
    files.push(f.meta);
  };

  const start = (fs: ingestion.FileStart | undefined): OpenFile => {
    const index = files.length;
    if (index >= limits.maxFiles) {
      throw errors.resourceExhausted(`the upload holds more than ${limits.maxFiles} files`, 0, { reason: 'TOO_MANY_FILES', field: 'file' });
    }
    const field = `files[${index}]`;
    const name = fs === undefined ? UNNAMED_FILE : fs.name;
    if (name.length === 0 || name.length > MAX_NAME_CHARS || name.includes('\0')) {
      throw errors.invalidArgument(`${field}.name`, `must be 1-${MAX_NAME_CHARS} characters without NUL`);
    }
    let format = '';
    if (fs && fs.format !== ingestion.SourceFormat.SOURCE_FORMAT_UNSPECIFIED) {
      const f = fromProtoSourceFormat(fs.format);
      if (f === undefined) throw errors.invalidArgument(`${field}.format`, `unknown source format ${fs.format}`);
      format = f;
    }
    const expectedSha256 = fs?.expectedSha256 ?? '';
    if (expectedSha256 && !/^[0-9a-fA-F]{64}$/.test(expectedSha256)) throw errors.invalidArgument(`${field}.expected_sha256`, 'must be 64 hex characters');
    const expectedSize = fs?.expectedSizeBytes ?? 0;
    if (!Number.isSafeInteger(expectedSize) || expectedSize < 0) throw errors.invalidArgument(`${field}.expected_size_bytes`, 'must be >= 0');
    const path = join(dir, `${index}.bin`);
    const out = createWriteStream(path, { flags: 'wx' });
    // Errors surface through the write/close callbacks; this keeps an unhandled 'error' from crashing the process.
    out.on('error', () => undefined);
    return {
      meta: { name, path, sha256: '', sizeBytes: 0, format, recordMetadata: checkStringMap(fs?.recordMetadata ?? {}, `${field}.record_metadata`) },
      out,
      hash: createHash('sha256'),
      expectedSha256,
      expectedSize,
      index,
    };
  };

  try {
    for await (const msg of messages) {
      const p = msg.payload;
      if (p === undefined) throw errors.invalidArgument('payload', 'each message after the header must be a file or a chunk');
      if (p.$case === 'header') throw errors.invalidArgument('header', 'only the first message may be a header');
      if (p.$case === 'file') {
        if (current) await finish(current);
        current = start(p.value);
        continue;
      }
      current ??= start(undefined);
      const chunk = p.value;
      total += chunk.length;
      if (total > limits.maxUploadBytes) {
        throw errors.resourceExhausted(`the upload is larger than ${limits.maxUploadBytes} bytes`, 0, { reason: 'UPLOAD_TOO_LARGE', field: 'chunk' });
      }
      current.meta.sizeBytes += chunk.length;
      current.hash.update(chunk);
      await write(current.out, chunk);
    }
    if (current) await finish(current);
    current = undefined;
    if (files.length === 0) throw errors.invalidArgument('file', 'the upload holds no file', { reason: 'EMPTY_UPLOAD' });
    // An empty body (a wrong path in a script, a cut pipe) would otherwise publish an empty snapshot that,
    // in the default REPLACE mode, hides every record the dataset had.
    if (total === 0) throw errors.invalidArgument('file', `every file of the upload is empty (0 bytes); nothing was kept`, { reason: 'EMPTY_UPLOAD' });
  } catch (err) {
    if (current) current.out.destroy();
    await discard();
    throw err;
  }
  return { header, dir, files, totalBytes: total, discard };
}
