import { strict as assert } from 'node:assert';
import iconv from 'iconv-lite';
import { parseHtml } from '../src/parsers/text';
import { assertMalformed, bytesSource, collect, failure } from './parsers-text-support';

describe('ingestion parsers: HTML', () => {
  const page = `<!doctype html>
<html lang="en"><head>
  <meta charset="utf-8"><title>  Release   notes &amp; news </title>
  <style>body { color: red }</style>
  <script>var secret = "do not index";</script>
</head><body>
  <nav><a href="/">Home</a> | <a href="/docs">Docs</a></nav>
  <main>
    <h1>Version 2.0</h1>
    <p>Faster   parsing,
       fewer <b>bugs</b> &mdash; and caf&eacute; support.</p>
    <ul><li>CSV</li><li>JSONL</li></ul>
    <pre>  indented
    code</pre>
    <table><tr><td>a</td><td>b</td></tr></table>
    <noscript>Enable JavaScript</noscript>
  </main>
  <aside>Related links</aside>
  <footer>© 2026 Example</footer>
</body></html>`;

  it('keeps headings, paragraphs, list items, cells and <pre> as lines; drops script, style, nav, aside, footer; title in metadata', async () => {
    const records = await collect(parseHtml(bytesSource('notes.html', page, 13)));
    assert.deepEqual(records, [
      {
        modality: 'text',
        contentType: 'text/plain',
        data: ['Version 2.0', 'Faster parsing, fewer bugs — and café support.', 'CSV', 'JSONL', '  indented\n    code', 'a', 'b'].join('\n'),
        metadata: { encoding: 'utf-8', title: 'Release notes & news' },
        position: { byteOffset: 0 },
      },
    ]);
  });

  it('a legacy page is decoded by its <meta> declaration (windows-1251, which detection alone refuses)', async () => {
    const html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><title>Новости</title></head><body><p>Привет, мир! Это тестовая страница.</p></body></html>';
    const records = await collect(parseHtml(bytesSource('ru.html', iconv.encode(html, 'win1251'))));
    assert.deepEqual([records[0]?.data, records[0]?.metadata], ['Привет, мир! Это тестовая страница.', { encoding: 'windows-1251', title: 'Новости' }]);
    // The same bytes as plain text, with no declaration to go by, are refused rather than guessed.
    const err = await failure(parseHtml(bytesSource('ru.html', iconv.encode('<p>Привет, мир! Это тестовая страница.</p>', 'win1251'))));
    assert.equal(err.reason, 'UNDETECTED_ENCODING');
  });

  it('a GBK page without a declaration is detected', async () => {
    const html = '<html><body><h2>数据处理</h2><p>机器学习需要大量干净的训练数据，数据清洗非常重要。</p></body></html>';
    const records = await collect(parseHtml(bytesSource('zh.html', iconv.encode(html, 'gbk'))));
    assert.equal(records[0]?.data, '数据处理\n机器学习需要大量干净的训练数据，数据清洗非常重要。');
  });

  it('unclosed tags are forgiven; a page with no text yields no record', async () => {
    const records = await collect(parseHtml(bytesSource('sloppy.html', '<p>one<p>two<div>three')));
    assert.equal(records[0]?.data, 'one\ntwo\nthree');
    assert.deepEqual(await collect(parseHtml(bytesSource('empty.html', '<html><script>x()</script></html>'))), []);
  });

  it('bytes invalid in the declared encoding fail naming the file and byte offset', async () => {
    const bytes = Buffer.concat([Buffer.from('<meta charset="utf-8"><p>ok</p><p>'), Buffer.from([0xc3, 0x28]), Buffer.from('</p>')]);
    const err = await failure(parseHtml(bytesSource('bad.html', bytes, 1024)));
    assertMalformed(err, 'INVALID_ENCODING', { file: 'bad.html', byte_offset: '0' });
  });

  it('more text than maxRecordBytes is refused', async () => {
    const err = await failure(parseHtml(bytesSource('big.html', `<p>${'word '.repeat(500)}</p>`), { maxRecordBytes: 1000 }));
    assert.deepEqual([err.reason, err.metadata], ['RECORD_TOO_LARGE', { file: 'big.html' }]);
  });
});
