import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parseParquet } from '../src/parsers/binary';
import { collect, malformedError, memorySource } from './parsers-binary-support';
import { duckParquet } from './format-fixtures';

describe('ingestion binary parsers: Parquet', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'l1g1-parquet-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const codec of ['snappy', 'zstd'] as const) {
    it(`reads every row of a ${codec} file written by DuckDB as table_row records with fields and 1-based rows`, async () => {
      const bytes = await duckParquet(dir, codec, 5);
      const footer = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      assert.equal(footer.row_groups[0]?.columns[1]?.meta_data?.codec, codec.toUpperCase()); // the fixture really uses the codec
      const records = await collect(parseParquet(memorySource(`t.${codec}.parquet`, bytes), { maxBytes: 1 << 20, batchRows: 2 }));
      assert.equal(records.length, 5);
      assert.deepEqual(records.map((r) => r.position.row), [1, 2, 3, 4, 5]);
      const third = records[2];
      assert.equal(third?.modality, 'table_row');
      assert.equal(third?.contentType, 'application/json');
      assert.deepEqual(third?.fields, { id: 3, name: 'row 3', score: 4.5, even: false, big: 30000000000, day: '2024-01-04T00:00:00.000Z' });
      assert.equal(third?.data, '{"id":3,"name":"row 3","score":4.5,"even":false,"big":30000000000,"day":"2024-01-04T00:00:00.000Z"}');
      assert.equal(third?.metadata.columns, 'id,name,score,even,big,day');
    });
  }

  it('a truncated Parquet file is INVALID_ARGUMENT naming the file and the byte offset of the missing footer', async () => {
    const bytes = await duckParquet(dir, 'snappy', 5);
    const cut = bytes.subarray(0, bytes.length - 100);
    const err = await malformedError(parseParquet(memorySource('cut.parquet', cut), { maxBytes: 1 << 20 }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.equal(err.metadata.file, 'cut.parquet');
    assert.equal(err.metadata.byteOffset, String(cut.length - 4));
    assert.match(err.message, /^cut\.parquet at byte offset \d+: .*truncated/);
  });

  it('corrupt column data is INVALID_ARGUMENT naming the row and the row group offset', async () => {
    const bytes = Uint8Array.from(await duckParquet(dir, 'zstd', 5));
    // Overwrite the bytes right after the magic: the first row group's first page.
    bytes.fill(0xff, 4, 40);
    const err = await malformedError(parseParquet(memorySource('bad.parquet', bytes), { maxBytes: 1 << 20 }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.equal(err.metadata.file, 'bad.parquet');
    assert.equal(err.metadata.row, '1');
    assert.equal(err.metadata.byteOffset, '4');
  });

  it('a file over maxBytes is refused before any row is read', async () => {
    const bytes = await duckParquet(dir, 'snappy', 5);
    const err = await malformedError(parseParquet(memorySource('big.parquet', bytes), { maxBytes: 100 }));
    assert.equal(err.reason, 'FILE_TOO_LARGE');
  });
});
