import { strict as assert } from 'node:assert';
import type { L1g1Error } from '@l1g1/kit';
import { parseJson, parseJsonl } from '../src/parsers/text';
import { assertMalformed, bytesSource, collect, failure, partialThenFailure } from './parsers-text-support';

describe('ingestion parsers: JSON and JSONL', () => {
  const jsonl = [
    '{"id":"a1","text":"Free money!!!","label":"spam","score":0.9,"tags":["x"],"at":"2026-12-01T10:00:00.000001Z"}',
    '',
    '{"id":"a2","text":"Lunch at noon?","label":"ham","score":null,"at":1764583200000000}',
  ].join('\n');

  it('JSONL: one record per object line with line and byte offset; blank lines skipped', async () => {
    const records = await collect(parseJsonl(bytesSource('mails.jsonl', jsonl)));
    assert.equal(records.length, 2);
    assert.deepEqual(records[1], {
      modality: 'table_row',
      contentType: 'application/json',
      data: '{"id":"a2","text":"Lunch at noon?","label":"ham","score":null,"at":1764583200000000}',
      metadata: { id: 'a2', text: 'Lunch at noon?', label: 'ham', score: 'null', at: '1764583200000000' },
      fields: { id: 'a2', text: 'Lunch at noon?', label: 'ham', score: null, at: 1764583200000000 },
      position: { line: 3, byteOffset: jsonl.indexOf('{"id":"a2"') },
    });
  });

  it('JSONL field mapping: data_field (text), id_field, metadata_fields, timestamp_field (µs or RFC 3339)', async () => {
    const records = await collect(parseJsonl(bytesSource('mails.jsonl', jsonl), { dataField: 'text', idField: 'id', metadataFields: ['label', 'tags'], timestampField: 'at' }));
    assert.deepEqual(records.map((r) => [r.modality, r.contentType, r.data, r.metadata, r.timestampUs]), [
      ['text', 'text/plain', 'Free money!!!', { label: 'spam', tags: '["x"]', record_id: 'a1' }, Date.UTC(2026, 11, 1, 10) * 1000 + 1],
      ['text', 'text/plain', 'Lunch at noon?', { label: 'ham', record_id: 'a2' }, 1764583200000000],
    ]);
  });

  it('JSONL: a line that is not JSON fails naming the line, byte offset and column, after the lines before it', async () => {
    const text = '{"a":1}\n{"a":2}\n{"a": 3,, }\n{"a":4}\n';
    const { yielded, err } = await partialThenFailure(parseJsonl(bytesSource('bad.jsonl', text)));
    assert.deepEqual(yielded.map((r) => r.fields), [{ a: 1 }, { a: 2 }]);
    assertMalformed(err, 'INVALID_JSON', { file: 'bad.jsonl', line: '3', byte_offset: '16' });
    assert.match(err.message, /: a property name expected at column 9$/);
  });

  it('JSONL: a line that is an array, or lacks data_field, fails naming the line', async () => {
    assertMalformed(await failure(parseJsonl(bytesSource('x.jsonl', '{"a":1}\n[1,2]\n'))), 'NOT_AN_OBJECT', { file: 'x.jsonl', line: '2', byte_offset: '8' });
    assertMalformed(await failure(parseJsonl(bytesSource('x.jsonl', '{"text":"a"}\n{"body":"b"}\n'), { dataField: 'text' })), 'MISSING_FIELD', { file: 'x.jsonl', line: '2', byte_offset: '13' });
    assertMalformed(await failure(parseJsonl(bytesSource('x.jsonl', '{"at":"yesterday"}\n'), { timestampField: 'at' })), 'INVALID_TIMESTAMP', { file: 'x.jsonl', line: '1', byte_offset: '0' });
  });

  it('JSONL with onBadRecord: bad lines are reported with their lines and skipped, good ones kept', async () => {
    const bad: L1g1Error[] = [];
    const records = await collect(parseJsonl(bytesSource('mixed.jsonl', '{"a":1}\nnot json\n{"a":3}\n42\n{"a":5}'), { onBadRecord: (e) => bad.push(e) }));
    assert.deepEqual(records.map((r) => [r.fields, r.position.line]), [[{ a: 1 }, 1], [{ a: 3 }, 3], [{ a: 5 }, 5]]);
    assert.deepEqual(bad.map((e) => [e.reason, e.metadata['line']]), [['INVALID_JSON', '2'], ['NOT_AN_OBJECT', '4']]);
  });

  it('JSONL: an over-long line fails the file even with onBadRecord', async () => {
    const err = await failure(parseJsonl(bytesSource('long.jsonl', `{"a":1}\n{"a":"${'x'.repeat(4000)}"}\n`, 300), { maxLineBytes: 1000, onBadRecord: () => undefined }));
    assertMalformed(err, 'LINE_TOO_LONG', { file: 'long.jsonl', line: '2', byte_offset: '8' });
  });

  it('JSON: an array of objects, one record per element with its row', async () => {
    const records = await collect(parseJson(bytesSource('rows.json', '[{"q":"2+2","a":4},\n {"q":"capital of France","a":"Paris"}]'), { dataField: 'q' }));
    assert.deepEqual(records.map((r) => [r.data, r.metadata, r.position]), [
      ['2+2', { a: '4' }, { row: 1 }],
      ['capital of France', { a: 'Paris' }, { row: 2 }],
    ]);
  });

  it('JSON: one object is one record; a UTF-8 BOM is accepted', async () => {
    const records = await collect(parseJson(bytesSource('one.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"title":"Ünïcode"}')]))));
    assert.deepEqual(records.map((r) => [r.data, r.fields, r.position]), [['{"title":"Ünïcode"}', { title: 'Ünïcode' }, { row: 1 }]]);
  });

  it('JSON: a syntax error fails naming the line, column and byte offset', async () => {
    const text = '[\n  {"a": 1},\n  {"a": 2\n  {"a": 3}\n]';
    const err = await failure(parseJson(bytesSource('broken.json', text)));
    assertMalformed(err, 'INVALID_JSON', { file: 'broken.json', line: '4', byte_offset: String(text.indexOf('{"a": 3}')) });
    assert.match(err.message, /: a comma expected at column 3$/);
  });

  it('JSON: an element that is not an object fails naming its row; a scalar file fails', async () => {
    assertMalformed(await failure(parseJson(bytesSource('x.json', '[{"a":1}, "b"]'))), 'NOT_AN_OBJECT', { file: 'x.json', row: '2' });
    assertMalformed(await failure(parseJson(bytesSource('x.json', '42'))), 'NOT_AN_OBJECT', { file: 'x.json', row: '1' });
  });

  it('JSON: a file over maxFileBytes is refused before it is read', async () => {
    const err = await failure(parseJson(bytesSource('big.json', `[${'{"a":1},'.repeat(200)}{"a":1}]`), { maxFileBytes: 1000 }));
    assert.deepEqual([err.kind, err.reason, err.metadata], ['INVALID_ARGUMENT', 'FILE_TOO_LARGE', { file: 'big.json' }]);
  });
});
