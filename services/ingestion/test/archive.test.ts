import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { L1g1Error } from '@l1g1/kit';
import { createArchiveExpander, safeEntryPath, type ArchiveLimits } from '../src/adapters/archives';
import type { ArchiveFormat } from '../src/domain/detect';
import type { ArchiveItem } from '../src/domain/pipeline';
import { bytesSource, makeTar, makeTarGz, makeZip, readText, renameInZip } from './archive-fixtures';

interface Expanded {
  files: Array<{ name: string; format: string; text: string }>;
  skipped: Array<{ name: string; reason: string }>;
}

describe('ingestion: archives expanded as streams', () => {
  let tmpDir: string;
  beforeEach(async () => {
    tmpDir = await mkdtemp(join(tmpdir(), 'l1g1-archive-test-'));
  });
  afterEach(async () => {
    await rm(tmpDir, { recursive: true, force: true });
  });

  async function expand(name: string, bytes: Buffer, format: ArchiveFormat, limits: Partial<ArchiveLimits> = {}): Promise<Expanded> {
    const expander = createArchiveExpander({ tmpDir, limits });
    const out: Expanded = { files: [], skipped: [] };
    for await (const item of expander.expand(bytesSource(name, bytes), format) as AsyncIterable<ArchiveItem>) {
      if (item.kind === 'skipped') out.skipped.push({ name: item.name, reason: item.error.reason });
      else out.files.push({ name: item.source.name, format: item.detected.format, text: await readText(item.source) });
    }
    return out;
  }

  async function refusal(run: Promise<unknown>): Promise<L1g1Error> {
    try {
      await run;
    } catch (err) {
      assert.ok(err instanceof L1g1Error, `expected an L1g1Error, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the archive to be refused');
  }

  const entries = [
    { name: 'data/rows.csv', data: 'a,b\n1,2\n3,4\n' },
    { name: 'data/deep/notes.txt', data: 'plain words here\n' },
    { name: 'events.jsonl', data: '{"x":1}\n{"x":2}\n' },
  ];
  const expected = [
    { name: 'up/a.ARCHIVE/data/rows.csv', format: 'csv', text: 'a,b\n1,2\n3,4\n' },
    { name: 'up/a.ARCHIVE/data/deep/notes.txt', format: 'text', text: 'plain words here\n' },
    { name: 'up/a.ARCHIVE/events.jsonl', format: 'jsonl', text: '{"x":1}\n{"x":2}\n' },
  ];
  const named = (ext: string) => expected.map((e) => ({ ...e, name: e.name.replace('ARCHIVE', ext) }));

  it('zip: every entry named archive/path, detected, its bytes exact; no spool file left', async () => {
    const got = await expand('up/a.zip', await makeZip(entries), 'zip');
    assert.deepEqual(got, { files: named('zip'), skipped: [] });
    assert.deepEqual(await readdir(tmpDir), []);
  });

  it('tar and tar.gz: the same entries, directories passed over', async () => {
    const withDir = [{ name: 'data/', type: 'directory' as const }, ...entries];
    assert.deepEqual(await expand('up/a.tar', await makeTar(withDir), 'tar'), { files: named('tar'), skipped: [] });
    assert.deepEqual(await expand('up/a.tgz', await makeTarGz(withDir), 'tar_gz'), { files: named('tgz'), skipped: [] });
  });

  it('a gzipped single file becomes one entry named without .gz', async () => {
    const got = await expand('logs/app.log.gz', gzipSync('line one\nline two\n'), 'gzip');
    assert.deepEqual(got.files, [{ name: 'logs/app.log.gz/app.log', format: 'text', text: 'line one\nline two\n' }]);
  });

  it('nested archives are expanded in turn (a zip inside a tar.gz inside a zip)', async () => {
    const inner = await makeZip([{ name: 'deep.csv', data: 'k,v\n1,2\n' }]);
    const middle = await makeTarGz([{ name: 'inner.zip', data: inner }, { name: 'mid.txt', data: 'middle\n' }]);
    const outer = await makeZip([{ name: 'middle.tar.gz', data: middle, compress: false }]);
    const got = await expand('outer.zip', outer, 'zip');
    assert.deepEqual(got.files, [
      { name: 'outer.zip/middle.tar.gz/inner.zip/deep.csv', format: 'csv', text: 'k,v\n1,2\n' },
      { name: 'outer.zip/middle.tar.gz/mid.txt', format: 'text', text: 'middle\n' },
    ]);
  });

  it('a docx inside a zip is a document to parse, not an archive to expand', async () => {
    const docx = await makeZip([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'word/document.xml', data: '<w:document/>' },
    ]);
    const expander = createArchiveExpander({ tmpDir });
    const seen: Array<[string, string]> = [];
    for await (const item of expander.expand(bytesSource('docs.zip', await makeZip([{ name: 'letters/a.docx', data: docx }])), 'zip')) {
      if (item.kind === 'file') seen.push([item.source.name, item.detected.format]);
    }
    assert.deepEqual(seen, [['docs.zip/letters/a.docx', 'docx']]);
  });

  it('nesting past maxDepth is refused, naming the archive and the limit', async () => {
    const inner = await makeZip([{ name: 'a.txt', data: 'a\n' }]);
    const outer = await makeZip([{ name: 'inner.zip', data: inner }]);
    const err = await refusal(expand('outer.zip', outer, 'zip', { maxDepth: 1 }));
    assert.equal(err.reason, 'ARCHIVE_LIMIT_EXCEEDED');
    assert.deepEqual(err.metadata, { file: 'outer.zip', limit: 'max_depth', limit_value: '1' });
    assert.match(err.message, /outer\.zip\/inner\.zip nests archives deeper than 1/);
  });

  describe('bombs are refused with the archive and the limit named, and nothing kept', () => {
    it('zip: 100 MB of zeros deflated (~100 KB) is refused from its directory, before anything is inflated', async () => {
      const zeros = Buffer.alloc(100 * 1024 * 1024);
      const bomb = await makeZip([{ name: 'readme.txt', data: 'harmless\n' }, { name: 'zeros.bin', data: zeros }]);
      assert.ok(bomb.byteLength < 200_000, `the bomb is ${bomb.byteLength} bytes`);
      const expander = createArchiveExpander({ tmpDir });
      const seen: string[] = [];
      const err = await refusal(
        (async () => {
          for await (const item of expander.expand(bytesSource('bomb.zip', bomb), 'zip')) seen.push(item.kind === 'file' ? item.source.name : item.name);
        })(),
      );
      assert.equal(err.reason, 'ARCHIVE_LIMIT_EXCEEDED');
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.deepEqual(err.metadata, { file: 'bomb.zip', limit: 'max_compression_ratio', limit_value: '100' });
      assert.match(err.message, /^file: archive bomb\.zip refused: zeros\.bin expands \d+:1 \(limit max_compression_ratio = 100\)$/);
      assert.deepEqual(seen, [], 'not even the harmless entry came out');
      assert.deepEqual(await readdir(tmpDir), [], 'the spooled zip is removed');
    });

    it('zip: an entry declaring more than maxEntryBytes is refused before inflating', async () => {
      const zip = await makeZip([{ name: 'big.txt', data: 'y'.repeat(300_000), compress: false }]);
      const err = await refusal(expand('big.zip', zip, 'zip', { maxEntryBytes: 100_000 }));
      assert.deepEqual(err.metadata, { file: 'big.zip', limit: 'max_entry_bytes', limit_value: '100000' });
    });

    it('zip: entries declaring more than maxTotalBytes in all are refused', async () => {
      const zip = await makeZip([1, 2, 3].map((i) => ({ name: `f${i}.txt`, data: 'z'.repeat(40_000), compress: false })));
      const err = await refusal(expand('many.zip', zip, 'zip', { maxTotalBytes: 100_000 }));
      assert.deepEqual(err.metadata, { file: 'many.zip', limit: 'max_total_bytes', limit_value: '100000' });
    });

    it('zip: too many entries are refused from the directory count', async () => {
      const zip = await makeZip(Array.from({ length: 50 }, (_, i) => ({ name: `e${i}.txt`, data: `${i}\n` })));
      const err = await refusal(expand('wide.zip', zip, 'zip', { maxEntries: 20 }));
      assert.deepEqual(err.metadata, { file: 'wide.zip', limit: 'max_entries', limit_value: '20' });
      assert.match(err.message, /it lists 50 entries/);
    });

    it('entries are counted across nested archives: many small zips cannot add up past the limit', async () => {
      const small = await makeZip(Array.from({ length: 8 }, (_, i) => ({ name: `e${i}.txt`, data: `${i}\n` })));
      const outer = await makeTar([1, 2, 3].map((i) => ({ name: `part${i}.zip`, data: small })));
      const err = await refusal(expand('parts.tar', outer, 'tar', { maxEntries: 20 }));
      assert.equal(err.metadata['limit'], 'max_entries');
    });

    it('tar.gz: a stream of zeros is stopped by its ratio as it inflates', async () => {
      const bomb = await makeTarGz([{ name: 'zeros.bin', data: Buffer.alloc(20 * 1024 * 1024) }]);
      const err = await refusal(expand('bomb.tar.gz', bomb, 'tar_gz'));
      assert.deepEqual(err.metadata, { file: 'bomb.tar.gz', limit: 'max_compression_ratio', limit_value: '100' });
    });

    it('gzip: the single file is held to maxEntryBytes as it streams (its size is declared nowhere)', async () => {
      const gz = gzipSync(Buffer.from('0123456789'.repeat(30_000)));
      const err = await refusal(expand('digits.txt.gz', gz, 'gzip', { maxEntryBytes: 100_000, maxCompressionRatio: 10_000 }));
      assert.deepEqual(err.metadata, { file: 'digits.txt.gz', limit: 'max_entry_bytes', limit_value: '100000' });
    });

    it('tar: an entry larger than maxEntryBytes is refused at its header', async () => {
      const tar = await makeTar([{ name: 'big.bin', data: Buffer.alloc(200_000, 1) }]);
      const err = await refusal(expand('big.tar', tar, 'tar', { maxEntryBytes: 100_000 }));
      assert.deepEqual(err.metadata, { file: 'big.tar', limit: 'max_entry_bytes', limit_value: '100000' });
    });

    it('a zip larger than maxZipBytes is refused while spooling, and the spool removed', async () => {
      const zip = await makeZip([{ name: 'r.bin', data: Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251)), compress: false }]);
      const err = await refusal(expand('huge.zip', zip, 'zip', { maxZipBytes: 20_000 }));
      assert.deepEqual(err.metadata, { file: 'huge.zip', limit: 'max_zip_bytes', limit_value: '20000' });
      assert.deepEqual(await readdir(tmpDir), []);
    });
  });

  describe('unsafe paths', () => {
    it('safeEntryPath: absolute and drive paths become relative, .. resolves inside, escapes are refused', () => {
      assert.equal(safeEntryPath('/etc/passwd'), 'etc/passwd');
      assert.equal(safeEntryPath('C:\\Users\\a\\x.txt'), 'Users/a/x.txt');
      assert.equal(safeEntryPath('a/./b/../c.txt'), 'a/c.txt');
      assert.equal(safeEntryPath('../x'), undefined);
      assert.equal(safeEntryPath('a/../../x'), undefined);
      assert.equal(safeEntryPath('..\\..\\x'), undefined);
      assert.equal(safeEntryPath('a\u0000b'), undefined);
      assert.equal(safeEntryPath('/'), undefined);
    });

    it('zip: a ../ entry is refused alone, an absolute one kept under the archive, the others go on', async () => {
      const raw = await makeZip([
        { name: 'aa/evil.txt', data: 'evil\n' },
        { name: 'zz/abs.txt', data: 'abs\n' },
        { name: 'ok.txt', data: 'fine\n' },
      ]);
      const forged = renameInZip(renameInZip(raw, 'aa/evil.txt', '../evil.txt'), 'zz/abs.txt', '/z/abs.txt');
      const got = await expand('t.zip', forged, 'zip');
      assert.deepEqual(got.skipped, [{ name: 't.zip/../evil.txt', reason: 'UNSAFE_ENTRY_PATH' }]);
      assert.deepEqual(
        got.files.map((f) => [f.name, f.text]),
        [
          ['t.zip/z/abs.txt', 'abs\n'],
          ['t.zip/ok.txt', 'fine\n'],
        ],
      );
    });

    it('tar: ../ entries and symbolic links are refused one by one', async () => {
      const tar = await makeTar([
        { name: '../../etc/cron.d/x', data: 'evil\n' },
        { name: 'link', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'ok.txt', data: 'fine\n' },
      ]);
      const got = await expand('t.tar', tar, 'tar');
      assert.deepEqual(got.skipped, [
        { name: 't.tar/../../etc/cron.d/x', reason: 'UNSAFE_ENTRY_PATH' },
        { name: 't.tar/link', reason: 'UNSUPPORTED_ENTRY' },
      ]);
      assert.deepEqual(got.files.map((f) => f.name), ['t.tar/ok.txt']);
    });

    it('zip: a symbolic link entry is refused', async () => {
      const zip = await makeZip([{ name: 'link', data: '/etc/passwd', mode: 0o120777 }, { name: 'ok.txt', data: 'fine\n' }]);
      const got = await expand('l.zip', zip, 'zip');
      assert.deepEqual(got.skipped, [{ name: 'l.zip/link', reason: 'UNSUPPORTED_ENTRY' }]);
      assert.deepEqual(got.files.map((f) => f.name), ['l.zip/ok.txt']);
    });
  });

  describe('malformed archives name the file and the byte offset', () => {
    it('zip: no directory at all', async () => {
      const err = await refusal(expand('junk.zip', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 0x41)]), 'zip'));
      assert.equal(err.reason, 'MALFORMED_FILE');
      assert.equal(err.metadata['file'], 'junk.zip');
      assert.match(err.message, /^file: junk\.zip: malformed archive/);
    });

    it('zip: a corrupted entry fails while streaming, at its local header offset', async () => {
      const zip = await makeZip([
        { name: 'first.txt', data: 'first entry\n' },
        { name: 'second.txt', data: 'second entry, long enough to deflate: ' + 'abc'.repeat(200) },
      ]);
      const at = zip.indexOf(Buffer.from('second.txt'));
      const corrupt = Buffer.from(zip);
      for (let i = at + 12; i < at + 40; i++) corrupt[i] = 0xff ^ (corrupt[i] ?? 0); // the deflated data after the local header's name
      const err = await refusal(expand('c.zip', corrupt, 'zip'));
      assert.equal(err.reason, 'MALFORMED_FILE');
      assert.equal(err.metadata['file'], 'c.zip');
      assert.equal(err.metadata['byte_offset'], String(at - 30), 'the offset of second.txt\'s local header');
    });

    it('zip: a flipped byte in a stored entry fails its CRC-32 check', async () => {
      const zip = await makeZip([{ name: 'stored.txt', data: 'stored, not deflated\n', compress: false }]);
      const at = zip.indexOf(Buffer.from('stored, not'));
      const flipped = Buffer.from(zip);
      flipped[at] = 0x53; // 's' -> 'S'
      const err = await refusal(expand('s.zip', flipped, 'zip'));
      assert.equal(err.reason, 'MALFORMED_FILE');
      assert.deepEqual(err.metadata, { file: 's.zip', byte_offset: '0' });
      assert.match(err.message, /stored\.txt fails its CRC-32 check/);
    });

    it('tar.gz cut short: MALFORMED_FILE with the compressed byte offset reached', async () => {
      const tgz = await makeTarGz([{ name: 'a.txt', data: 'x'.repeat(5000) }]);
      const cut = tgz.subarray(0, Math.floor(tgz.byteLength / 2));
      const err = await refusal(expand('cut.tar.gz', cut, 'tar_gz'));
      assert.equal(err.reason, 'MALFORMED_FILE');
      assert.deepEqual(err.metadata, { file: 'cut.tar.gz', byte_offset: String(cut.byteLength) });
    });

    it('tar: a corrupted second header is reported at its offset; the first entry came out', async () => {
      const tar = await makeTar([{ name: 'one.txt', data: 'one\n' }, { name: 'two.txt', data: 'two\n' }]);
      const broken = Buffer.from(tar);
      broken.fill(0x7a, 1024, 1024 + 100); // two.txt's header: name and checksum no longer agree
      const expander = createArchiveExpander({ tmpDir });
      const names: string[] = [];
      const err = await refusal(
        (async () => {
          for await (const item of expander.expand(bytesSource('b.tar', broken), 'tar')) {
            if (item.kind === 'file') {
              names.push(item.source.name);
              await readText(item.source);
            }
          }
        })(),
      );
      assert.deepEqual(names, ['b.tar/one.txt']);
      assert.equal(err.reason, 'MALFORMED_FILE');
      assert.deepEqual(err.metadata, { file: 'b.tar', byte_offset: '1024' });
    });
  });

  it('an entry the reader does not read (or stops early) is skipped: the next one still comes out whole', async () => {
    const tgz = await makeTarGz([
      { name: 'skip.bin', data: Buffer.alloc(300_000, 3) },
      { name: 'half.txt', data: 'h'.repeat(100_000) },
      { name: 'last.txt', data: 'last\n' },
    ]);
    const zip = await makeZip([
      { name: 'skip.bin', data: Buffer.alloc(300_000, 3) },
      { name: 'last.txt', data: 'last\n' },
    ]);
    for (const [name, bytes, format] of [['s.tgz', tgz, 'tar_gz'], ['s.zip', zip, 'zip']] as const) {
      const expander = createArchiveExpander({ tmpDir, limits: { maxCompressionRatio: 10_000 } });
      const texts: Record<string, string> = {};
      for await (const item of expander.expand(bytesSource(name, bytes), format)) {
        if (item.kind !== 'file') continue;
        if (item.source.name.endsWith('half.txt')) {
          for await (const chunk of item.source.stream()) {
            assert.ok(chunk.byteLength > 0);
            break;
          }
        } else if (item.source.name.endsWith('last.txt')) texts['last'] = await readText(item.source);
      }
      assert.deepEqual(texts, { last: 'last\n' }, name);
    }
    assert.deepEqual(await readdir(tmpDir), []);
  });
});
