import { strict as assert } from 'node:assert';
import type { FileSource, ParsedRecord } from '../src/domain/record';
import { parseCsv, parseJsonl, parseMarkdown, parseSensorCsv, parseSrt, parseText, parseTsv, parseVtt } from '../src/parsers/text';

const CHUNK_BYTES = 4096;
const TOTAL_CHUNKS = 2000; // 8 MB: enough that reading it all shows, small enough to stay fast if a parser regresses

/** A large file produced chunk by chunk on demand, counting what the parser pulled; readAll is refused. */
function lazySource(name: string, header: string, unit: (i: number) => string) {
  const state = { pulled: 0, closed: false };
  const source: FileSource = {
    name,
    async *stream() {
      let i = 0;
      let pending = header;
      try {
        for (let c = 0; c < TOTAL_CHUNKS; c++) {
          while (pending.length < CHUNK_BYTES) pending += unit(i++);
          state.pulled += 1;
          yield Buffer.from(pending.slice(0, CHUNK_BYTES), 'latin1');
          pending = pending.slice(CHUNK_BYTES);
        }
      } finally {
        state.closed = true;
      }
    },
    readAll: () => Promise.reject(new Error('a streaming parser must not read the whole file')),
  };
  return { source, state };
}

async function firstRecord(records: AsyncIterable<ParsedRecord>): Promise<ParsedRecord> {
  for await (const r of records) return r; // returning closes the parser, which must close the source
  assert.fail('no record');
}

const cases: Array<[string, (src: FileSource) => AsyncIterable<ParsedRecord>, string, (i: number) => string]> = [
  ['TXT by line', (s) => parseText(s, { split: 'line' }), '', (i) => `line ${i}\n`],
  ['Markdown by paragraph', (s) => parseMarkdown(s, { split: 'paragraph' }), '# Title\n\n', (i) => `para ${i}\nmore\n\n`],
  ['CSV', (s) => parseCsv(s), 'a,b\n', (i) => `${i},"text ${i}"\n`],
  ['TSV', (s) => parseTsv(s), 'a\tb\n', (i) => `${i}\ttext\n`],
  ['sensor CSV', (s) => parseSensorCsv(s), 'timestamp,v\n', (i) => `${1000 + i},${i}\n`],
  ['JSONL', (s) => parseJsonl(s), '', (i) => `{"i":${i}}\n`],
  ['SRT', (s) => parseSrt(s), '', (i) => `${i + 1}\n00:00:01,000 --> 00:00:02,000\ncue ${i}\n\n`],
  ['WebVTT', (s) => parseVtt(s), 'WEBVTT\n\n', (i) => `00:01.000 --> 00:02.000\ncue ${i}\n\n`],
];

describe('ingestion parsers: text formats stream', () => {
  for (const [format, parse, header, unit] of cases) {
    it(`${format}: the first record comes after the encoding sample (64 KiB), not the whole 8 MB file, and stopping closes the source`, async () => {
      const { source, state } = lazySource(`big-${format}`, header, unit);
      const record = await firstRecord(parse(source));
      assert.ok(record.position.line === 1 || record.position.line === 2 || record.position.line === 3, `first record at line ${String(record.position.line)}`);
      assert.ok(state.pulled <= 64 * 1024 / CHUNK_BYTES + 1, `${state.pulled} of ${TOTAL_CHUNKS} chunks read before the first record`);
      assert.equal(state.closed, true, 'the source was left open');
    });
  }

  it('a bad line early in a big file fails at once and closes the source (JSONL, CSV)', async () => {
    for (const [parse, header, unit] of [
      [(s: FileSource) => parseJsonl(s), '{"ok":true}\nnot json\n', (i: number) => `{"i":${i}}\n`],
      [(s: FileSource) => parseCsv(s), 'a,b\n1,2\n3\n', (i: number) => `${i},x\n`],
    ] as const) {
      const { source, state } = lazySource('bad-early', header, unit);
      await assert.rejects(async () => {
        for await (const _ of parse(source)) void _;
      }, (e: unknown) => e instanceof Error && 'reason' in e);
      assert.ok(state.pulled <= 64 * 1024 / CHUNK_BYTES + 1, `${state.pulled} chunks read`);
      assert.equal(state.closed, true, 'the source was left open');
    }
  });
});
