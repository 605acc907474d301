import { strict as assert } from 'node:assert';
import { parseJsonl } from '../src/parsers/text';
import { readLineBatches } from '../src/parsers/text/line-reader';
import { assertMalformed, bytesSource, collect, failure } from './parsers-text-support';

describe('parsers: JSONL fast UTF-8 path and metadata', () => {
  it('decodes multi-byte UTF-8 split across every chunk boundary exactly as written', async () => {
    const texts = ['café ＡＢＣ', '東京の数据 😀', 'plain ascii', 'straße\u00A0nbsp'];
    const content = texts.map((text, i) => JSON.stringify({ id: i, text })).join('\n');
    for (const chunk of [1, 2, 3, 5, 7, 64]) {
      const records = await collect(parseJsonl(bytesSource('u.jsonl', content, chunk), { dataField: 'text' }));
      assert.deepEqual(records.map((r) => r.data), texts, `chunk ${chunk}`);
      assert.deepEqual(records.map((r) => r.position.byteOffset), [0, 1, 2, 3].map((i) => Buffer.byteLength(content.split('\n').slice(0, i).map((l) => `${l}\n`).join(''))));
    }
  });

  it('invalid UTF-8 after good lines in the same chunk names its line and byte offset', async () => {
    const good = '{"text":"ok"}\n{"text":"fine"}\n';
    const bytes = Buffer.concat([Buffer.from(good), Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n{"text":"after"}\n')]);
    const err = await failure(parseJsonl(bytesSource('bad.jsonl', bytes, 1 << 16), { dataField: 'text', encoding: 'utf-8' }));
    assertMalformed(err, 'INVALID_ENCODING', { file: 'bad.jsonl', line: '3', byte_offset: String(Buffer.byteLength(good)) });
  });

  it('metadata values of numbers, booleans and null read as JSON.stringify writes them; objects as JSON', async () => {
    const line = '{"text":"t","int":1,"big":1e21,"neg0":-0,"frac":0.1,"exp":1.5e-7,"yes":true,"none":null,"obj":{"a":[1,"x"]}}';
    const [record] = await collect(parseJsonl(bytesSource('m.jsonl', line), { dataField: 'text' }));
    assert.deepEqual(record?.metadata, { int: '1', big: '1e+21', neg0: '0', frac: '0.1', exp: '1.5e-7', yes: 'true', none: 'null', obj: '{"a":[1,"x"]}' });
  });
});

describe('parsers: line batches are bounded whatever the source chunk size', () => {
  it('one 1 MiB chunk of 10-byte lines comes out in batches of at most 64 KiB of lines, all lines in order with their offsets', async () => {
    const lines = 100_000;
    const bytes = Buffer.from(Array.from({ length: lines }, (_, i) => `${String(i).padStart(9, '0')}\n`).join(''));
    async function* oneChunk(): AsyncGenerator<Uint8Array> {
      yield bytes;
    }
    let seen = 0;
    let largest = 0;
    for await (const batch of readLineBatches(oneChunk(), { file: 'big.txt', encoding: 'utf-8', startOffset: 0, maxLineBytes: 1024 })) {
      largest = Math.max(largest, batch.length);
      for (const line of batch) {
        assert.equal(line.text, String(seen).padStart(9, '0'));
        assert.equal(line.byteOffset, seen * 10);
        assert.equal(line.line, seen + 1);
        seen += 1;
      }
    }
    assert.equal(seen, lines);
    // Before slicing, the whole chunk was one batch of 100,000 lines.
    assert.ok(largest <= Math.ceil((64 * 1024) / 10) + 1, `largest batch ${largest} lines`);
  });
});
