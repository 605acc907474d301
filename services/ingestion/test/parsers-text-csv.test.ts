import { strict as assert } from 'node:assert';
import iconv from 'iconv-lite';
import { parseCsv, parseSensorCsv, parseTimestampUs, parseTsv } from '../src/parsers/text';
import { assertMalformed, bytesSource, collect, failure, partialThenFailure } from './parsers-text-support';

describe('ingestion parsers: CSV, TSV and sensor CSV', () => {
  const csv = 'id,text,label\r\n1,"Hello, world",ham\r\n2,"multi\r\nline ""quoted""",spam\r\n\r\n3,plain,ham';

  it('each row is a table_row with fields by header name, row number, start line and byte offset', async () => {
    const records = await collect(parseCsv(bytesSource('mail.csv', csv, 5)));
    assert.deepEqual(records[0], {
      modality: 'table_row',
      contentType: 'application/json',
      data: '{"id":"1","text":"Hello, world","label":"ham"}',
      metadata: { id: '1', text: 'Hello, world', label: 'ham' },
      fields: { id: '1', text: 'Hello, world', label: 'ham' },
      position: { line: 2, row: 1, byteOffset: 15 },
    });
    assert.deepEqual(records[1]?.fields, { id: '2', text: 'multi\r\nline "quoted"', label: 'spam' });
    assert.deepEqual(records.map((r) => r.position), [
      { line: 2, row: 1, byteOffset: 15 },
      { line: 3, row: 2, byteOffset: 37 },
      { line: 6, row: 3, byteOffset: 72 },
    ]);
    // The byte offsets really point at the rows.
    assert.equal(Buffer.from(csv).subarray(37, 39).toString(), '2,');
    assert.equal(Buffer.from(csv).subarray(72).toString(), '3,plain,ham');
  });

  it('data_column becomes data (text/plain), id_column record_id, the other columns metadata', async () => {
    const records = await collect(parseCsv(bytesSource('mail.csv', csv), { dataColumn: 'text', idColumn: 'id' }));
    assert.deepEqual(records.map((r) => [r.data, r.contentType, r.metadata]), [
      ['Hello, world', 'text/plain', { id: '1', label: 'ham', record_id: '1' }],
      ['multi\r\nline "quoted"', 'text/plain', { id: '2', label: 'spam', record_id: '2' }],
      ['plain', 'text/plain', { id: '3', label: 'ham', record_id: '3' }],
    ]);
  });

  it('delimiter and quote options; no header names the columns c0, c1, ...', async () => {
    const records = await collect(parseCsv(bytesSource('semi.csv', "a;'b;c'\nd;'e''f'\n"), { delimiter: ';', quote: "'", hasHeader: false }));
    assert.deepEqual(records.map((r) => [r.fields, r.position.row, r.position.line]), [
      [{ c0: 'a', c1: 'b;c' }, 1, 1],
      [{ c0: 'd', c1: "e'f" }, 2, 2],
    ]);
  });

  it('a timestamp column becomes timestampUs (RFC 3339 with microseconds, or numbers as ms)', async () => {
    const records = await collect(parseCsv(bytesSource('t.csv', 'at,v\n2026-12-01T10:00:00.123456Z,1\n1764583200000,2\n,3\n'), { timestampColumn: 'at' }));
    assert.deepEqual(records.map((r) => r.timestampUs), [Date.UTC(2026, 11, 1, 10) * 1000 + 123456, 1764583200000 * 1000, undefined]);
  });

  it('TSV: tab separated, quotes kept as text', async () => {
    const records = await collect(parseTsv(bytesSource('a.tsv', 'word\tnote\nsay "hi"\t5" tall\n')));
    assert.deepEqual(records[0]?.fields, { word: 'say "hi"', note: '5" tall' });
  });

  it('a Latin-1 CSV is decoded (row positions without byte offsets: those are exact for UTF-8 only)', async () => {
    const records = await collect(parseCsv(bytesSource('fr.csv', Buffer.from('nom,ville\nFrançois,Besançon à côté\n', 'latin1')), { encoding: 'latin1' }));
    assert.deepEqual(records.map((r) => [r.fields, r.position]), [[{ nom: 'François', ville: 'Besançon à côté' }, { line: 2, row: 1 }]]);
  });

  it('a GBK CSV is detected and decoded', async () => {
    const records = await collect(parseCsv(bytesSource('zh.csv', iconv.encode('文本,标签\n今天天气很好，我们去公园散步吧。,正面\n', 'gbk'))));
    assert.deepEqual(records[0]?.fields, { 文本: '今天天气很好，我们去公园散步吧。', 标签: '正面' });
  });

  it('an unclosed quote fails naming the file, the line and row where the row starts, after the rows before it', async () => {
    const { yielded, err } = await partialThenFailure(parseCsv(bytesSource('bad.csv', 'a,b\n1,2\n3,"never closed\n4,5\n')));
    assert.deepEqual(yielded.map((r) => r.fields), [{ a: '1', b: '2' }]);
    assertMalformed(err, 'UNCLOSED_QUOTE', { file: 'bad.csv', line: '3', row: '2', byte_offset: '8' });
  });

  it('a row with the wrong number of cells fails naming line and row, after the good rows were yielded', async () => {
    const seen: string[] = [];
    const err = await failure(
      (async function* () {
        for await (const r of parseCsv(bytesSource('bad.csv', 'a,b\n1,2\n\n3,4,5\n'))) {
          seen.push(String(r.fields?.['a']));
          yield r;
        }
      })(),
    );
    assert.deepEqual(seen, ['1']);
    assertMalformed(err, 'WRONG_COLUMN_COUNT', { file: 'bad.csv', line: '4', row: '2', byte_offset: '9' });
    assert.match(err.message, /3 cells where the header has 2/);
  });

  it('a stray quote inside an unquoted cell fails naming the line', async () => {
    const err = await failure(parseCsv(bytesSource('bad.csv', 'a,b\n1,"x"y\n')));
    assert.equal(err.reason, 'MALFORMED_CSV');
    assert.equal(err.metadata['line'], '2');
    assert.equal(err.metadata['file'], 'bad.csv');
  });

  it('a record over maxLineBytes is refused', async () => {
    const err = await failure(parseCsv(bytesSource('big.csv', `a\n${'x'.repeat(3000)}\n`, 256), { maxLineBytes: 1000 }));
    assertMalformed(err, 'LINE_TOO_LONG', { file: 'big.csv', line: '2', row: '1', byte_offset: '2' });
  });

  it('duplicate header names and options naming missing columns are refused by name', async () => {
    assertMalformed(await failure(parseCsv(bytesSource('dup.csv', 'a,a\n1,2\n'))), 'DUPLICATE_COLUMN', { file: 'dup.csv', line: '1' });
    const missing = await failure(parseCsv(bytesSource('x.csv', 'a,b\n1,2\n'), { dataColumn: 'text' }));
    assert.deepEqual([missing.kind, missing.reason, missing.field], ['INVALID_ARGUMENT', 'UNKNOWN_COLUMN', 'data_column']);
    const delimiter = await failure(parseCsv(bytesSource('x.csv', 'a\n'), { delimiter: '::' }));
    assert.deepEqual([delimiter.kind, delimiter.field], ['INVALID_ARGUMENT', 'delimiter']);
  });

  it('a bad timestamp cell fails naming line, row and column', async () => {
    const err = await failure(parseCsv(bytesSource('t.csv', 'at,v\n2026-02-30T00:00:00Z,1\n'), { timestampColumn: 'at' }));
    assertMalformed(err, 'INVALID_TIMESTAMP', { file: 't.csv', line: '2', row: '1', column: 'at', byte_offset: '5' });
  });

  describe('sensor CSV', () => {
    const sensor = 'timestamp,temp,humidity,site\n1000,21.5,40,lab\n1500,21.7,,lab\n2100,22,41,lab\n';

    it('every row gets timestampUs from the unit given; data is the value columns with numbers as numbers', async () => {
      const records = await collect(parseSensorCsv(bytesSource('s.csv', sensor), { timestampUnit: 'seconds' }));
      assert.deepEqual(records.map((r) => [r.timestampUs, r.data, r.position.row, r.position.line]), [
        [1000_000_000, '{"temp":21.5,"humidity":40,"site":"lab"}', 1, 2],
        [1500_000_000, '{"temp":21.7,"humidity":null,"site":"lab"}', 2, 3],
        [2100_000_000, '{"temp":22,"humidity":41,"site":"lab"}', 3, 4],
      ]);
      assert.deepEqual(records[0]?.metadata, { timestamp_column: 'timestamp', encoding: 'utf-8' });
    });

    it('units: auto reads numbers as ms, microseconds as given, RFC 3339 with offsets; value_columns pick columns', async () => {
      const ms = await collect(parseSensorCsv(bytesSource('s.csv', sensor), { valueColumns: ['temp'] }));
      assert.deepEqual(ms.map((r) => [r.timestampUs, r.data]), [[1_000_000, '{"temp":21.5}'], [1_500_000, '{"temp":21.7}'], [2_100_000, '{"temp":22}']]);
      const us = await collect(parseSensorCsv(bytesSource('s.csv', sensor), { timestampUnit: 'microseconds' }));
      assert.deepEqual(us.map((r) => r.timestampUs), [1000, 1500, 2100]);
      const rfc = await collect(parseSensorCsv(bytesSource('s.csv', 'time;v\n2026-12-01T08:00:00.5+02:00;1\n'), { delimiter: ';', timestampColumn: 'time' }));
      assert.equal(rfc[0]?.timestampUs, Date.UTC(2026, 11, 1, 6) * 1000 + 500_000);
    });

    it('windows group rows in time order: one record per window with its rows', async () => {
      const records = await collect(parseSensorCsv(bytesSource('s.csv', sensor), { windowMs: 1000, valueColumns: ['temp'] }));
      assert.deepEqual(records.map((r) => [r.timestampUs, r.metadata['rows'], r.metadata['window_end_us'], r.data, r.position.row]), [
        [1_000_000, '2', '2000000', '[{"timestamp_us":1000000,"temp":21.5},{"timestamp_us":1500000,"temp":21.7}]', 1],
        [2_000_000, '1', '3000000', '[{"timestamp_us":2100000,"temp":22}]', 3],
      ]);
    });

    it('a malformed or missing timestamp fails naming line, row and column; so do unsorted rows when windowing', async () => {
      const bad = await failure(parseSensorCsv(bytesSource('s.csv', 'timestamp,v\n1000,1\nnot-a-time,2\n')));
      assertMalformed(bad, 'INVALID_TIMESTAMP', { file: 's.csv', line: '3', row: '2', column: 'timestamp', byte_offset: '19' });
      const empty = await failure(parseSensorCsv(bytesSource('s.csv', 'timestamp,v\n,1\n'), { timestampUnit: 'milliseconds' }));
      assertMalformed(empty, 'INVALID_TIMESTAMP', { file: 's.csv', line: '2', row: '1', column: 'timestamp', byte_offset: '12' });
      const unsorted = await failure(parseSensorCsv(bytesSource('s.csv', 'timestamp,v\n2000,1\n1000,2\n'), { windowMs: 500 }));
      assertMalformed(unsorted, 'UNSORTED_TIMESTAMPS', { file: 's.csv', line: '3', row: '2', column: 'timestamp', byte_offset: '19' });
    });

    it('a missing timestamp column is INVALID_ARGUMENT naming timestamp_column', async () => {
      const err = await failure(parseSensorCsv(bytesSource('s.csv', 'time,v\n1,2\n')));
      assert.deepEqual([err.kind, err.reason, err.field], ['INVALID_ARGUMENT', 'UNKNOWN_COLUMN', 'timestamp_column']);
    });
  });

  it('parseTimestampUs refuses look-alikes: impossible dates, hours 24, bare dates, words', () => {
    for (const bad of ['2026-13-01T00:00:00Z', '2026-12-01T24:00:00Z', '2026-12-01', 'soon', '2026-12-01T00:00:00']) {
      assert.equal(parseTimestampUs(bad, 'auto'), undefined, bad);
    }
    assert.equal(parseTimestampUs('1.5', 'seconds'), 1_500_000);
    assert.equal(parseTimestampUs('12abc', 'milliseconds'), undefined);
  });
});
