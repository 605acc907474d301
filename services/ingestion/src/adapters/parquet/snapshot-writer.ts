import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContentHasher } from '../../domain/snapshot/content-hash';
import { canonicalMetadataJson } from '../../domain/snapshot/metadata-json';
import { compareRecordIds } from '../../domain/snapshot/record-id-order';
import { isTextContentType, SNAPSHOT_COLUMNS, type StoredRecord } from '../../domain/snapshot/stored-record';

export interface SnapshotWriterOptions {
  /** Where the temporary DuckDB database and its spill files live (default: the OS temp dir). */
  tempDir?: string;
  /** DuckDB's memory limit, e.g. "256MB": beyond it, sorting spills to `tempDir` (default 256MB). */
  memoryLimit?: string;
  /** DuckDB worker threads (default 2: the service shares its machine). */
  threads?: number;
  /** Most rows per Parquet row group (default 8192). */
  rowGroupSize?: number;
  /**
   * Payload bytes a row group aims at (default 64 MiB): the reader's unit of
   * memory is a row group, so a snapshot of large images gets smaller groups
   * than one of short texts.
   */
  rowGroupTargetBytes?: number;
}

export interface WrittenSnapshot {
  /** Records in the file, after duplicate ids collapsed. */
  recordCount: number;
  sizeBytes: number;
  /** sha256 hex of the file's bytes: its blob store key. */
  sha256: string;
  /** `content_sha256` (domain/snapshot/content-hash). */
  contentSha256: string;
}

const DEFAULT_MEMORY_LIMIT = '256MB';
const DEFAULT_THREADS = 2;
const DEFAULT_ROW_GROUP_SIZE = 8192;
const DEFAULT_ROW_GROUP_TARGET_BYTES = 64 * 1024 * 1024;
/** Only a size with a unit, so the value can go into SQL as it is. */
const MEMORY_LIMIT_PATTERN = /^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/;

/**
 * Writes a snapshot's data file: `records` (any order, duplicate ids allowed:
 * the LAST one written wins) become one Parquet file at `outPath` with the
 * columns {@link SNAPSHOT_COLUMNS}, rows sorted by id, zstd-compressed.
 *
 * DuckDB does the heavy lifting (issue 7, decision 2): rows go through its
 * appender into a table of a temporary on-disk database with a memory limit,
 * so a snapshot larger than memory spills to disk instead of growing the heap;
 * `COPY (... ORDER BY id)` then writes the file. The content hash is computed
 * by reading the written file back, so it describes exactly what was written.
 */
export async function writeSnapshotParquet(
  records: AsyncIterable<StoredRecord>,
  outPath: string,
  opts: SnapshotWriterOptions = {},
): Promise<WrittenSnapshot> {
  const memoryLimit = opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  if (!MEMORY_LIMIT_PATTERN.test(memoryLimit)) throw new RangeError(`memoryLimit must be a size such as 256MB, got ${memoryLimit}`);
  const maxRowGroupSize = positiveInt(opts.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE, 'rowGroupSize');
  const rowGroupTargetBytes = positiveInt(opts.rowGroupTargetBytes ?? DEFAULT_ROW_GROUP_TARGET_BYTES, 'rowGroupTargetBytes');
  const threads = positiveInt(opts.threads ?? DEFAULT_THREADS, 'threads');
  const work = await mkdtemp(join(opts.tempDir ?? tmpdir(), 'l1g1-snapshot-'));
  try {
    const instance = await DuckDBInstance.create(join(work, 'snapshot.duckdb'), {
      memory_limit: memoryLimit,
      temp_directory: join(work, 'spill'),
      threads: String(threads),
      // The file must come out in ORDER BY order, and the read-back must see it so.
      preserve_insertion_order: 'true',
    });
    const connection = await instance.connect();
    try {
      await connection.run(
        `CREATE TABLE records (seq BIGINT NOT NULL, id VARCHAR NOT NULL, modality VARCHAR NOT NULL,
           content_type VARCHAR NOT NULL, text VARCHAR, data BLOB, timestamp_us BIGINT,
           split VARCHAR, label VARCHAR, metadata VARCHAR NOT NULL)`,
      );
      await appendAll(connection, records);
      const rowGroupSize = await rowGroupSizeFor(connection, maxRowGroupSize, rowGroupTargetBytes);
      const columns = SNAPSHOT_COLUMNS.join(', ');
      // QUALIFY keeps one row per id, the one appended last (highest seq).
      await connection.run(
        `COPY (SELECT ${columns} FROM records
               QUALIFY row_number() OVER (PARTITION BY id ORDER BY seq DESC) = 1
               ORDER BY id)
         TO ${sqlString(outPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize})`,
      );
      const { recordCount, contentSha256 } = await hashContent(connection, outPath);
      const [sizeBytes, sha256] = await Promise.all([stat(outPath).then((s) => s.size), sha256OfFile(outPath)]);
      return { recordCount, sizeBytes, sha256, contentSha256 };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } catch (err) {
    // Nothing half-written survives: a failed write leaves no output file.
    await rm(outPath, { force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function appendAll(connection: DuckDBConnection, records: AsyncIterable<StoredRecord>): Promise<void> {
  const appender = await connection.createAppender('records');
  try {
    let seq = 0n;
    for await (const record of records) {
      appendRecord(appender, seq++, record);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function appendRecord(appender: DuckDBAppender, seq: bigint, record: StoredRecord): void {
  appender.appendBigInt(seq);
  appender.appendVarchar(record.id);
  appender.appendVarchar(record.modality);
  appender.appendVarchar(record.contentType);
  if (isTextContentType(record.contentType)) {
    appender.appendVarchar(Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('utf8'));
    appender.appendNull();
  } else {
    appender.appendNull();
    appender.appendBlob(record.data);
  }
  if (record.timestampUs === undefined) appender.appendNull();
  else appender.appendBigInt(BigInt(Math.trunc(record.timestampUs)));
  appendOptional(appender, record.metadata.split);
  appendOptional(appender, record.metadata.label);
  appender.appendVarchar(canonicalMetadataJson(record.metadata));
  appender.endRow();
}

function appendOptional(appender: DuckDBAppender, value: string | undefined): void {
  if (value === undefined) appender.appendNull();
  else appender.appendVarchar(value);
}

/**
 * Rows per group so that a group's payload stays near the target: DuckDB's
 * ROW_GROUP_SIZE_BYTES would do it, but it is refused with
 * preserve_insertion_order (and had no effect under COPY ... ORDER BY when
 * tried), so the size comes from the average row of the table instead.
 * DuckDB does not cut groups below its vector size (2048 rows), so a
 * snapshot of very large payloads still has 2048-row groups: its reader's
 * memory is bounded by that, not by the target.
 */
async function rowGroupSizeFor(connection: DuckDBConnection, maxRows: number, targetBytes: number): Promise<number> {
  const reader = await connection.runAndReadAll(
    `SELECT count(*)::DOUBLE, (coalesce(sum(octet_length(data)), 0) + coalesce(sum(strlen(text)), 0) + coalesce(sum(strlen(metadata)), 0))::DOUBLE FROM records`,
  );
  const [rows, bytes] = (reader.getRows()[0] ?? [0, 0]).map(Number) as [number, number];
  if (rows === 0 || bytes === 0) return maxRows;
  return Math.max(1, Math.min(maxRows, Math.floor(targetBytes / (bytes / rows))));
}

/** Streams (id, metadata) back out of the written file, in file order, into the content hash. */
async function hashContent(connection: DuckDBConnection, outPath: string): Promise<{ recordCount: number; contentSha256: string }> {
  const hasher = createContentHasher();
  const result = await connection.stream(`SELECT id, metadata FROM read_parquet(${sqlString(outPath)})`);
  let recordCount = 0;
  let previous: string | undefined;
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    for (const [id, metadata] of chunk.getRows()) {
      if (typeof id !== 'string' || typeof metadata !== 'string') throw new Error('snapshot file has a null id or metadata');
      // The file order is the contract every streaming merge relies on: check it rather than trust it.
      if (previous !== undefined && compareRecordIds(previous, id) >= 0) throw new Error('snapshot file rows are not in strict id order');
      hasher.add(id, metadata);
      previous = id;
      recordCount++;
    }
  }
  return { recordCount, contentSha256: hasher.digest() };
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A SQL string literal: COPY TO takes no bound parameter for its path. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
