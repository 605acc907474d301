/**
 * A JSONL line nested tens of thousands deep parses, but turning it back into
 * text overflowed the stack and the upload reported only "could not be
 * parsed" at row 0. It fails naming its line and byte offset, with a reason.
 */
import { parseJson, parseJsonl } from '../src/parsers/text';
import { assertMalformed, bytesSource, failure } from './parsers-text-support';

describe('JSON parsers: values nested too deeply', () => {
  it('JSONL: a line nested 50,000 deep fails naming the line and byte offset (JSON_TOO_DEEP)', async () => {
    const deep = `{"text":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const text = `{"text":"fine"}\n${deep}\n`;
    assertMalformed(await failure(parseJsonl(bytesSource('deep.jsonl', text), { dataField: 'text' })), 'JSON_TOO_DEEP', { file: 'deep.jsonl', line: '2', byte_offset: '16' });
  });

  it('JSON array: an element nested 50,000 deep fails naming its row (JSON_TOO_DEEP)', async () => {
    const deep = `{"text":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    assertMalformed(await failure(parseJson(bytesSource('deep.json', `[{"text":"fine"},${deep}]`), { dataField: 'text' })), 'JSON_TOO_DEEP', { file: 'deep.json', row: '2' });
  });
});
