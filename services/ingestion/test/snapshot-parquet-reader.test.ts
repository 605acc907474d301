import { DuckDBInstance } from '@duckdb/node-api';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { parquetMetadata } from 'hyparquet';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSnapshotParquet } from '../src/adapters/parquet/snapshot-reader';
import { writeSnapshotParquet } from '../src/adapters/parquet/snapshot-writer';
import { parseMetadataJson } from '../src/domain/snapshot/metadata-json';
import { compareRecordIds } from '../src/domain/snapshot/record-id-order';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';
import { binaryRecord, collectAll, comparable, fromArray, textRecord } from './snapshot-support';

async function withDuck<T>(fn: (run: (sql: string) => Promise<Array<Record<string, unknown>>>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await fn(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** DuckDB's `read_parquet` rows turned back into StoredRecords (the second, independent reader). */
function fromDuckRow(row: Record<string, unknown>): StoredRecord {
  const record: StoredRecord = {
    id: String(row.id),
    modality: String(row.modality) as StoredRecord['modality'],
    contentType: String(row.content_type),
    data: typeof row.text === 'string' ? new TextEncoder().encode(row.text) : (row.data as Uint8Array),
    metadata: parseMetadataJson(String(row.metadata)),
  };
  if (row.timestamp_us !== null && row.timestamp_us !== undefined) record.timestampUs = Number(row.timestamp_us);
  return record;
}

function sample(): StoredRecord[] {
  const records: StoredRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const split = i % 4 === 0 ? 'test' : 'train';
    const metadata = { label: i % 3 === 0 ? 'spam' : 'ham', split, source_file: `f${i % 2}.txt`, 'ünï': `värde ${i} 😀` };
    if (i % 5 === 0) records.push(binaryRecord(`id-${String(i).padStart(2, '0')}`, Uint8Array.from([i, 0xff, 0x00, 0xc3]), 'audio', 'audio/wav', metadata));
    else records.push(textRecord(`id-${String(i).padStart(2, '0')}`, metadata, `texte n°${i} — 中文`, i % 2 === 0 ? 1_600_000_000_000_000 + i : undefined));
  }
  return records.reverse(); // the writer sorts
}

describe('ingestion snapshot Parquet reader', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'l1g1-snapread-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back exactly what the writer wrote, and DuckDB read_parquet agrees record for record (ids, payloads, metadata, splits)', async () => {
    const out = join(dir, 'rt.parquet');
    const records = sample();
    await writeSnapshotParquet(fromArray(records), out, { tempDir: dir });
    const expected = [...records].sort((a, b) => compareRecordIds(a.id, b.id));

    const file = await openSnapshotParquet(out);
    assert.equal(file.recordCount, 20);
    const viaHyparquet = await collectAll(file.rows());
    assert.deepEqual(viaHyparquet.map((r) => r.row), [...Array(20).keys()]);
    assert.deepEqual(viaHyparquet.map((r) => comparable(r.record)), expected.map(comparable));

    const viaDuck = await withDuck((run) => run(`SELECT * FROM read_parquet('${out}')`));
    assert.deepEqual(viaDuck.map((r) => comparable(fromDuckRow(r))), expected.map(comparable));
    const duckSplits = await withDuck((run) => run(`SELECT split, count(*)::INTEGER AS n FROM read_parquet('${out}') GROUP BY split ORDER BY split`));
    const ourSplits = new Map<string, number>();
    for (const { record } of viaHyparquet) ourSplits.set(record.metadata.split ?? '', (ourSplits.get(record.metadata.split ?? '') ?? 0) + 1);
    assert.deepEqual(duckSplits.map((r) => [r.split, r.n]), [...ourSplits.entries()].sort());
    assert.deepEqual(duckSplits.map((r) => [r.split, r.n]), [['test', 5], ['train', 15]]);
  });

  it('a row range that crosses row groups yields exactly those rows with their indexes', async () => {
    const out = join(dir, 'range.parquet');
    const many = [...Array(4100).keys()].map((i) => textRecord(`t${String(i).padStart(4, '0')}`, { n: String(i) }));
    await writeSnapshotParquet(fromArray(many), out, { tempDir: dir, rowGroupSize: 2048 });
    const bytes = await readFile(out);
    const footer = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    assert.deepEqual(footer.row_groups.map((g) => Number(g.num_rows)), [2048, 2048, 4]);
    const file = await openSnapshotParquet(out);
    const rows = await collectAll(file.rows(2045, 2051));
    assert.deepEqual(rows.map((r) => r.row), [2045, 2046, 2047, 2048, 2049, 2050]);
    assert.deepEqual(rows.map((r) => r.record.metadata.n), ['2045', '2046', '2047', '2048', '2049', '2050']);
    assert.deepEqual(await collectAll(file.rows(5000)), []);
    assert.deepEqual((await collectAll(file.rows(4097, 9999))).map((r) => r.row), [4097, 4098, 4099]);
  });

  it('large payloads get smaller row groups (down to the 2048-row floor of DuckDB), so one group read holds about the target bytes', async () => {
    const out = join(dir, 'big.parquet');
    const big = [...Array(5000).keys()].map((i) => binaryRecord(`b${String(i).padStart(4, '0')}`, Uint8Array.from({ length: 2_000 }, (_, j) => (i * 31 + j * 7) % 251)));
    await writeSnapshotParquet(fromArray(big), out, { tempDir: dir, rowGroupTargetBytes: 2048 * 2_002 });
    const bytes = await readFile(out);
    const footer = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    assert.deepEqual(footer.row_groups.map((g) => Number(g.num_rows)), [2048, 2048, 904]); // the default would be one group of 5000
    const file = await openSnapshotParquet(out);
    const rows = await collectAll(file.rows(2040, 2056));
    assert.deepEqual(rows.map((r) => r.record.id), big.slice(2040, 2056).map((r) => r.id));
    assert.deepEqual(Array.from(rows[8]?.record.data ?? []), Array.from(big[2048]?.data ?? []));
  });

  it('metadataOnly leaves data empty and keeps everything else', async () => {
    const out = join(dir, 'meta.parquet');
    await writeSnapshotParquet(fromArray(sample()), out, { tempDir: dir });
    const file = await openSnapshotParquet(out);
    const full = await collectAll(file.rows());
    const meta = await collectAll(file.rows(0, undefined, { metadataOnly: true }));
    assert.equal(meta.length, 20);
    for (let i = 0; i < 20; i++) {
      assert.equal(meta[i]?.record.data.length, 0);
      assert.deepEqual({ ...meta[i]?.record, data: undefined }, { ...full[i]?.record, data: undefined });
    }
    assert.ok(full.every((r) => r.record.data.length > 0));
  });

  it('reads an empty snapshot as zero rows', async () => {
    const out = join(dir, 'empty.parquet');
    await writeSnapshotParquet(fromArray([]), out, { tempDir: dir });
    const file = await openSnapshotParquet(out);
    assert.equal(file.recordCount, 0);
    assert.deepEqual(await collectAll(file.rows()), []);
  });

  it('reads a snapshot-shaped file that DuckDB wrote with snappy compression', async () => {
    const out = join(dir, 'snappy.parquet');
    await withDuck((run) =>
      run(`COPY (SELECT 'r' || lpad(i::VARCHAR, 3, '0') AS id, 'text' AS modality, 'text/plain' AS content_type,
                        'row ' || i AS text, NULL::BLOB AS data, i::BIGINT * 1000 AS timestamp_us,
                        CASE WHEN i % 2 = 0 THEN 'train' ELSE 'test' END AS split, NULL::VARCHAR AS label,
                        '{"n":"' || i || '"}' AS metadata
                 FROM range(0, 300) t(i) ORDER BY id)
           TO '${out}' (FORMAT parquet, COMPRESSION snappy)`),
    );
    const file = await openSnapshotParquet(out);
    assert.equal(file.recordCount, 300);
    const rows = await collectAll(file.rows(98, 103));
    assert.deepEqual(rows.map((r) => [r.record.id, new TextDecoder().decode(r.record.data), r.record.timestampUs, r.record.metadata]), [
      ['r098', 'row 98', 98000, { n: '98' }],
      ['r099', 'row 99', 99000, { n: '99' }],
      ['r100', 'row 100', 100000, { n: '100' }],
      ['r101', 'row 101', 101000, { n: '101' }],
      ['r102', 'row 102', 102000, { n: '102' }],
    ]);
  });

  it('refuses a Parquet file without the snapshot columns', async () => {
    const out = join(dir, 'other.parquet');
    await withDuck((run) => run(`COPY (SELECT 1 AS x) TO '${out}' (FORMAT parquet)`));
    await assert.rejects(openSnapshotParquet(out), /missing column\(s\) id, modality/);
  });
});
