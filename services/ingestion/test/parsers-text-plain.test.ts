import { strict as assert } from 'node:assert';
import iconv from 'iconv-lite';
import { parseMarkdown, parseText } from '../src/parsers/text';
import { assertMalformed, bytesSource, collect, failure } from './parsers-text-support';

describe('ingestion parsers: TXT and Markdown', () => {
  const body = 'first line\r\nsecond line\n\n\nthird, after blanks\nfourth\n';

  it('split by line: one record per non-blank line, with its line number and byte offset, CRLF removed', async () => {
    const records = await collect(parseText(bytesSource('notes.txt', body), { split: 'line' }));
    assert.deepEqual(
      records.map((r) => [r.data, r.position.line, r.position.byteOffset]),
      [
        ['first line', 1, 0],
        ['second line', 2, 12],
        ['third, after blanks', 5, 26],
        ['fourth', 6, 46],
      ],
    );
    assert.deepEqual(records[0], { modality: 'text', contentType: 'text/plain', data: 'first line', metadata: { encoding: 'utf-8' }, position: { line: 1, byteOffset: 0 } });
  });

  it('split by paragraph: blank-line separated blocks, first line and byte offset, end_line', async () => {
    const records = await collect(parseText(bytesSource('notes.txt', body), { split: 'paragraph' }));
    assert.deepEqual(
      records.map((r) => [r.data, r.position, r.metadata['end_line']]),
      [
        ['first line\nsecond line', { line: 1, byteOffset: 0 }, '2'],
        ['third, after blanks\nfourth', { line: 5, byteOffset: 26 }, '6'],
      ],
    );
  });

  it('whole file (the default): one record, surrounding blank lines dropped, line breaks as \\n', async () => {
    const records = await collect(parseText(bytesSource('notes.txt', `\n${body}\n\n`)));
    assert.equal(records.length, 1);
    assert.equal(records[0]?.data, 'first line\nsecond line\n\n\nthird, after blanks\nfourth');
    assert.deepEqual(records[0]?.position, { line: 2, byteOffset: 1 });
  });

  it('an empty file yields no record', async () => {
    assert.deepEqual(await collect(parseText(bytesSource('empty.txt', ''))), []);
  });

  it('UTF-8 with a BOM: the BOM is not text, byte offsets count it', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('héllo\nwörld\n')]);
    const records = await collect(parseText(bytesSource('bom.txt', bytes), { split: 'line' }));
    assert.deepEqual(records.map((r) => [r.data, r.position.byteOffset, r.metadata['encoding']]), [
      ['héllo', 3, 'utf-8'],
      ['wörld', 10, 'utf-8'],
    ]);
  });

  for (const [encoding, bom] of [['utf-16le', [0xff, 0xfe]], ['utf-16be', [0xfe, 0xff]]] as const) {
    it(`${encoding} by its BOM, lines split on 2-byte line feeds across odd chunk boundaries`, async () => {
      const text = '日本語の行\r\nsecond ✓ line\n';
      const units = Buffer.from(text, 'utf16le');
      if (encoding === 'utf-16be') units.swap16();
      const records = await collect(parseText(bytesSource('u16.txt', Buffer.concat([Buffer.from(bom), units]), 3), { split: 'line' }));
      assert.deepEqual(records.map((r) => [r.data, r.position.line, r.position.byteOffset, r.metadata['encoding']]), [
        ['日本語の行', 1, 2, encoding],
        ['second ✓ line', 2, 2 + 7 * 2, encoding],
      ]);
    });
  }

  it('GBK bytes (made by iconv-lite) are detected and decoded, not mangled', async () => {
    const text = '数据清洗是机器学习的重要步骤。\n我们需要处理各种编码的文本文件。\n';
    const records = await collect(parseText(bytesSource('zh.txt', iconv.encode(text, 'gbk')), { split: 'line' }));
    assert.deepEqual(records.map((r) => r.data), ['数据清洗是机器学习的重要步骤。', '我们需要处理各种编码的文本文件。']);
    assert.equal(records[0]?.metadata['encoding'], 'gb18030');
    assert.equal(records[1]?.position.byteOffset, iconv.encode('数据清洗是机器学习的重要步骤。\n', 'gbk').length);
  });

  it('Shift-JIS bytes are detected and decoded', async () => {
    const text = 'これは日本語のテキストファイルです。\n文字コードを正しく読み込みます。\n';
    const records = await collect(parseText(bytesSource('ja.txt', iconv.encode(text, 'shift_jis')), { split: 'line' }));
    assert.deepEqual(records.map((r) => r.data), ['これは日本語のテキストファイルです。', '文字コードを正しく読み込みます。']);
    assert.equal(records[0]?.metadata['encoding'], 'shift_jis');
  });

  it('Latin-1 bytes are detected (not read as ISO-8859-2), and a declared encoding wins over detection', async () => {
    const text = 'Le garçon a mangé la crème brûlée, déjà vu à Noël.';
    const detected = await collect(parseText(bytesSource('fr.txt', Buffer.from(text, 'latin1'))));
    assert.equal(detected[0]?.data, text);
    const declared = await collect(parseText(bytesSource('fr.txt', Buffer.from('Ærø ñ', 'latin1')), { encoding: 'latin1' }));
    assert.deepEqual([declared[0]?.data, declared[0]?.metadata['encoding']], ['Ærø ñ', 'windows-1252']);
  });

  it('a GBK file declared as gbk decodes the same as when detected', async () => {
    const records = await collect(parseText(bytesSource('zh.txt', iconv.encode('简体中文', 'gbk')), { encoding: 'GBK' }));
    assert.deepEqual([records[0]?.data, records[0]?.metadata['encoding']], ['简体中文', 'gbk']);
  });

  it('an unknown declared encoding is INVALID_ARGUMENT naming the field', async () => {
    const err = await failure(parseText(bytesSource('a.txt', 'x'), { encoding: 'klingon-8' }));
    assert.equal(err.kind, 'INVALID_ARGUMENT');
    assert.equal(err.reason, 'UNKNOWN_ENCODING');
    assert.equal(err.field, 'encoding');
  });

  it('bytes invalid in the encoding after a valid start fail naming the line and byte offset (no U+FFFD)', async () => {
    const good = 'ok line\n'.repeat(9000); // past the 64 KiB detection sample
    const bytes = Buffer.concat([Buffer.from(good), Buffer.from([0x62, 0x61, 0x64, 0xff, 0x0a])]);
    const err = await failure(parseText(bytesSource('mixed.txt', bytes, 4096), { split: 'line' }));
    assertMalformed(err, 'INVALID_ENCODING', { file: 'mixed.txt', line: '9001', byte_offset: String(good.length) });
  });

  it('a line longer than maxLineBytes fails naming the line and its byte offset', async () => {
    const err = await failure(parseText(bytesSource('long.txt', `short\n${'x'.repeat(5000)}\nmore\n`, 512), { split: 'line', maxLineBytes: 1000 }));
    assertMalformed(err, 'LINE_TOO_LONG', { file: 'long.txt', line: '2', byte_offset: '6' });
  });

  it('a whole-file record larger than maxRecordBytes is refused with advice', async () => {
    const err = await failure(parseText(bytesSource('big.txt', 'abc\n'.repeat(100)), { maxRecordBytes: 200 }));
    assertMalformed(err, 'RECORD_TOO_LARGE', { file: 'big.txt', line: '1', byte_offset: '0' });
    assert.match(err.message, /split it by line or paragraph/);
  });

  it('Markdown: paragraphs carry their section heading; a blank line inside a code fence does not split', async () => {
    const md = ['# Intro', '', 'Hello **world**.', '', '## Usage', '', '```sh', 'npm start', '', 'npm test', '```', '', 'Done.', ''].join('\n');
    const records = await collect(parseMarkdown(bytesSource('README.md', md), { split: 'paragraph' }));
    assert.deepEqual(
      records.map((r) => [r.data, r.metadata['section'], r.position.line, r.contentType]),
      [
        ['# Intro', 'Intro', 1, 'text/markdown'],
        ['Hello **world**.', 'Intro', 3, 'text/markdown'],
        ['## Usage', 'Usage', 5, 'text/markdown'],
        ['```sh\nnpm start\n\nnpm test\n```', 'Usage', 7, 'text/markdown'],
        ['Done.', 'Usage', 13, 'text/markdown'],
      ],
    );
  });

  it('Markdown by line: a # inside a code fence is not a heading', async () => {
    const md = '# Real\n```\n# not a heading\n```\ntext\n';
    const records = await collect(parseMarkdown(bytesSource('a.md', md), { split: 'line' }));
    assert.deepEqual(records.map((r) => [r.data, r.metadata['section']]), [
      ['# Real', 'Real'],
      ['```', 'Real'],
      ['# not a heading', 'Real'],
      ['```', 'Real'],
      ['text', 'Real'],
    ]);
  });

  it('an aborted signal stops the parse', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(collect(parseText(bytesSource('a.txt', 'a\nb\n'), { split: 'line' }, controller.signal)), { name: 'AbortError' });
  });
});
