import { DuckDBInstance } from '@duckdb/node-api';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { writeSnapshotParquet } from '../src/adapters/parquet/snapshot-writer';
import { contentSha256Of } from '../src/domain/snapshot/content-hash';
import { SNAPSHOT_COLUMNS, type StoredRecord } from '../src/domain/snapshot/stored-record';
import { binaryRecord, fromArray, textRecord } from './snapshot-support';

/** Reads a file back with DuckDB's own reader, as pandas or DuckDB users would. */
async function duckRows(path: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
    return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function duckSchema(path: string): Promise<Array<{ name: string; type: string }>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${path}'))`);
    return reader.getRowsJS().map(([name, type]) => ({ name: String(name), type: String(type) }));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('ingestion snapshot Parquet writer', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'l1g1-snapwrite-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the SNAPSHOT_COLUMNS in order, rows sorted by id, text in `text`, binary in `data`, split/label copied out of metadata', async () => {
    const out = join(dir, 's.parquet');
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x00, 0x80]);
    const records: StoredRecord[] = [
      textRecord('c', { label: 'spam', split: 'train', source_file: 'a.txt' }, 'hello', 1_700_000_000_123_456),
      binaryRecord('a', png, 'image', 'image/png', { width: '2' }),
      textRecord('b', { z: '1', a: '2' }, '{"k":1}'),
    ];
    records[2] = { ...records[2]!, contentType: 'application/json', modality: 'table_row' };
    const written = await writeSnapshotParquet(fromArray(records), out, { tempDir: dir });

    assert.equal(written.recordCount, 3);
    assert.deepEqual((await duckSchema(out)).map((c) => c.name), [...SNAPSHOT_COLUMNS]);
    const rows = await duckRows(out);
    assert.deepEqual(rows.map((r) => r.id), ['a', 'b', 'c']);
    assert.equal(rows[0]?.text, null);
    assert.deepEqual(Array.from(rows[0]?.data as Uint8Array), Array.from(png));
    assert.equal(rows[1]?.text, '{"k":1}');
    assert.equal(rows[1]?.data, null);
    assert.equal(rows[1]?.metadata, '{"a":"2","z":"1"}'); // keys sorted
    assert.equal(rows[2]?.timestamp_us, 1_700_000_000_123_456n);
    assert.equal(rows[2]?.split, 'train');
    assert.equal(rows[2]?.label, 'spam');
    assert.equal(rows[0]?.split, null);
  });

  it('reports the file size and sha256 of the bytes on disk, and the content hash of the sorted records', async () => {
    const out = join(dir, 's.parquet');
    const records = [textRecord('y', { label: 'b' }), textRecord('x', { label: 'a' })];
    const written = await writeSnapshotParquet(fromArray(records), out, { tempDir: dir });
    const bytes = await readFile(out);
    assert.equal(written.sizeBytes, bytes.length);
    assert.equal(written.sha256, createHash('sha256').update(bytes).digest('hex'));
    const sorted = [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
    assert.equal(written.contentSha256, await contentSha256Of(fromArray(sorted)));
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PAR1');
    const footer = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    assert.equal(footer.row_groups[0]?.columns[0]?.meta_data?.codec, 'ZSTD');
  });

  it('the content hash depends on ids and metadata only, not on write order', async () => {
    const a = [textRecord('1', { k: 'v' }), textRecord('2')];
    const first = await writeSnapshotParquet(fromArray(a), join(dir, '1.parquet'), { tempDir: dir });
    const second = await writeSnapshotParquet(fromArray([...a].reverse()), join(dir, '2.parquet'), { tempDir: dir });
    const changed = await writeSnapshotParquet(fromArray([textRecord('1', { k: 'w' }), textRecord('2')]), join(dir, '3.parquet'), { tempDir: dir });
    assert.equal(first.contentSha256, second.contentSha256);
    assert.notEqual(first.contentSha256, changed.contentSha256);
  });

  it('a duplicate id keeps the record written last', async () => {
    const out = join(dir, 's.parquet');
    const records = [textRecord('d', { label: 'old' }, 'first'), textRecord('e'), textRecord('d', { label: 'new' }, 'second')];
    const written = await writeSnapshotParquet(fromArray(records), out, { tempDir: dir });
    assert.equal(written.recordCount, 2);
    const rows = await duckRows(out);
    assert.deepEqual(rows.map((r) => [r.id, r.text, r.label]), [['d', 'second', 'new'], ['e', 'text of e', null]]);
  });

  it('keeps unicode text, metadata and ids intact and sorts ids by code point like DuckDB', async () => {
    const out = join(dir, 's.parquet');
    const text = 'naïve café — 中文 😀 \u0000 end';
    const ids = ['\u{1F600}', '\uFF21', 'é', 'a'];
    const written = await writeSnapshotParquet(fromArray(ids.map((id) => textRecord(id, { 'clé': '値 😀' }, text))), out, { tempDir: dir });
    assert.equal(written.recordCount, 4);
    const rows = await duckRows(out);
    // Code point order: 'a' < 'é' < U+FF21 < U+1F600 (JavaScript's `<` would put the emoji before U+FF21).
    assert.deepEqual(rows.map((r) => r.id), ['a', 'é', '\uFF21', '\u{1F600}']);
    assert.equal(rows[0]?.text, text);
    assert.deepEqual(JSON.parse(String(rows[0]?.metadata)), { 'clé': '値 😀' });
  });

  it('an empty snapshot still writes a valid Parquet file with every column', async () => {
    const out = join(dir, 'empty.parquet');
    const written = await writeSnapshotParquet(fromArray([]), out, { tempDir: dir });
    assert.equal(written.recordCount, 0);
    assert.equal(written.contentSha256, createHash('sha256').update('').digest('hex'));
    assert.deepEqual(await duckRows(out), []);
    assert.deepEqual((await duckSchema(out)).map((c) => c.name), [...SNAPSHOT_COLUMNS]);
  });

  it('leaves no temporary database behind, and no output file when the record stream fails', async () => {
    const out = join(dir, 'fail.parquet');
    async function* failing(): AsyncIterable<StoredRecord> {
      yield textRecord('a');
      throw new Error('source cut');
    }
    await assert.rejects(writeSnapshotParquet(failing(), out, { tempDir: dir }), /source cut/);
    assert.deepEqual(await readdir(dir), []);
    await writeSnapshotParquet(fromArray([textRecord('a')]), out, { tempDir: dir });
    assert.deepEqual(await readdir(dir), ['fail.parquet']);
  });
});
