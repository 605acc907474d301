import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { errors, L1g1Error } from '@l1g1/kit';
import { createArchiveExpander } from '../src/adapters/archives';
import type { ParsedRecord, FileSource } from '../src/domain/record';
import { runUploadPipeline, type Parser, type ParserMap, type RecordSink, type UploadReport } from '../src/domain/pipeline';
import { bytesSource, makeTarGz, makeZip, renameInZip } from './archive-fixtures';

// ---- test-only stand-ins for the real parsers (built by other engineers), so the orchestration is tested alone.

async function textOf(source: FileSource): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source.stream()) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** STUB JSONL: one record per line; a line that is not JSON is MALFORMED_FILE at that line. Wraps stream errors as its cause, as a real parser may. */
const stubJsonl: Parser = async function* (source) {
  let text: string;
  try {
    text = await textOf(source);
  } catch (err) {
    throw errors.invalidArgument('file', `${source.name}: unreadable`, { reason: 'MALFORMED_FILE', metadata: { file: source.name }, cause: err });
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw errors.invalidArgument('file', `${source.name}: line ${i + 1}: not a JSON object`, {
        reason: 'MALFORMED_FILE',
        metadata: { file: source.name, line: String(i + 1) },
      });
    }
    yield { modality: 'text', contentType: 'application/json', data: line, metadata: {}, fields, position: { line: i + 1 } };
  }
};

/** STUB CSV: header then one record per row, no quoting. */
const stubCsv: Parser = async function* (source) {
  const [header, ...rows] = (await textOf(source)).trim().split('\n');
  const names = (header ?? '').split(',');
  for (const [i, row] of rows.entries()) {
    const cells = row.split(',');
    yield {
      modality: 'table_row',
      contentType: 'text/csv',
      data: row,
      metadata: {},
      fields: Object.fromEntries(names.map((n, j) => [n, cells[j]])),
      position: { row: i + 1, line: i + 2 },
    };
  }
};

/** STUB that crashes like a buggy library would, with an internal path in its message. */
const crashingText: Parser = async function* (source) {
  await textOf(source);
  yield* [];
  throw new TypeError('Cannot read properties of undefined at /srv/l1g1/node_modules/lib/index.js:42');
};

/** An in-memory staging sink: records stand only once their file commits. */
class StagingSink implements RecordSink {
  readonly staged = new Map<string, ParsedRecord[]>();
  readonly committed = new Map<string, ParsedRecord[]>();
  readonly discarded: string[] = [];
  failOnWrite = false;

  async write(file: string, record: ParsedRecord): Promise<void> {
    if (this.failOnWrite) throw new Error('disk full');
    const list = this.staged.get(file) ?? [];
    list.push(record);
    this.staged.set(file, list);
  }
  async commitFile(file: string): Promise<void> {
    this.committed.set(file, this.staged.get(file) ?? []);
    this.staged.delete(file);
  }
  async discardFile(file: string): Promise<void> {
    this.staged.delete(file);
    this.discarded.push(file);
  }
  dataOf(file: string): string[] {
    return (this.committed.get(file) ?? []).map((r) => String(r.data));
  }
}

describe('ingestion: the per-upload pipeline', () => {
  let tmpDir: string;
  beforeEach(async () => {
    tmpDir = await mkdtemp(join(tmpdir(), 'l1g1-pipeline-test-'));
  });
  afterEach(async () => {
    await rm(tmpDir, { recursive: true, force: true });
  });

  const parsers: ParserMap = { jsonl: stubJsonl, csv: stubCsv };
  const run = (sources: FileSource[], sink: RecordSink, more: ParserMap = {}, declared?: (f: string) => 'csv' | undefined, maxFiles?: number) =>
    runUploadPipeline(sources, sink, {
      parsers: { ...parsers, ...more },
      archives: createArchiveExpander({ tmpDir }),
      ...(declared === undefined ? {} : { declaredFormat: declared }),
      ...(maxFiles === undefined ? {} : { maxFiles }),
    });

  it('a malformed file is reported with its file and line, its records dropped; every other file goes on', async () => {
    const raw = await makeZip([
      { name: 'rows.csv', data: 'k,v\na,1\nb,2\n' },
      { name: 'nested/more.jsonl', data: '{"n":1}\n' },
      { name: 'photo.png', data: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(16)]) },
      { name: 'aa/evil.txt', data: 'x' },
    ]);
    const bundle = renameInZip(raw, 'aa/evil.txt', '../evil.txt');
    const sink = new StagingSink();
    const report = await run(
      [
        bytesSource('good.jsonl', '{"a":1}\n{"a":2}\n'),
        bytesSource('bad.jsonl', '{"a":1}\n{"a":2}\n{"a":\n{"a":4}\n'),
        bytesSource('bundle.zip', bundle),
        bytesSource('mystery.bin', Buffer.from([0, 1, 2, 3, 0, 0xff])),
      ],
      sink,
    );

    const expected: UploadReport = {
      files: [
        { file: 'good.jsonl', format: 'jsonl', detectedBy: 'name', status: 'ok', records: 2 },
        {
          file: 'bad.jsonl',
          format: 'jsonl',
          detectedBy: 'name',
          status: 'failed',
          records: 0,
          error: { reason: 'MALFORMED_FILE', message: 'file: bad.jsonl: line 3: not a JSON object', metadata: { file: 'bad.jsonl', line: '3' } },
        },
        { file: 'bundle.zip', format: 'zip', detectedBy: 'content', status: 'ok', records: 0, entries: 4 },
        { file: 'bundle.zip/rows.csv', format: 'csv', detectedBy: 'name', status: 'ok', records: 2 },
        { file: 'bundle.zip/nested/more.jsonl', format: 'jsonl', detectedBy: 'name', status: 'ok', records: 1 },
        {
          file: 'bundle.zip/photo.png',
          format: 'image_png',
          detectedBy: 'content',
          status: 'failed',
          records: 0,
          error: { reason: 'UNSUPPORTED_FORMAT', message: 'bundle.zip/photo.png: format image_png is not supported', metadata: { file: 'bundle.zip/photo.png' } },
        },
        {
          file: 'bundle.zip/../evil.txt',
          format: 'unknown',
          detectedBy: 'name',
          status: 'skipped',
          records: 0,
          error: {
            reason: 'UNSAFE_ENTRY_PATH',
            message: 'file: bundle.zip: entry "../evil.txt" refused: its path leaves the archive',
            metadata: { file: 'bundle.zip', entry: '../evil.txt' },
          },
        },
        {
          file: 'mystery.bin',
          format: 'unknown',
          detectedBy: 'name',
          status: 'failed',
          records: 0,
          error: { reason: 'UNKNOWN_FORMAT', message: 'mystery.bin: format not recognised by content or name', metadata: { file: 'mystery.bin' } },
        },
      ],
      records: 5,
      filesOk: 3,
      filesFailed: 4,
    };
    assert.deepEqual(report, expected);
    assert.deepEqual(sink.dataOf('good.jsonl'), ['{"a":1}', '{"a":2}']);
    assert.deepEqual(sink.dataOf('bundle.zip/rows.csv'), ['a,1', 'b,2']);
    assert.deepEqual(sink.committed.get('bundle.zip/rows.csv')?.[1]?.fields, { k: 'b', v: '2' });
    assert.deepEqual(sink.dataOf('bundle.zip/nested/more.jsonl'), ['{"n":1}']);
    assert.equal(sink.committed.has('bad.jsonl'), false, "bad.jsonl's first two records are not kept");
    assert.deepEqual(sink.discarded, ['bad.jsonl']);
    assert.equal(sink.staged.size, 0);
    assert.deepEqual(await readdir(tmpDir), []);
  });

  it('a zip bomb refuses the whole upload, naming the archive and the limit; nothing of it reaches the sink', async () => {
    const bomb = await makeZip([{ name: 'a.jsonl', data: '{"a":1}\n' }, { name: 'zeros.jsonl', data: Buffer.alloc(20 * 1024 * 1024) }]);
    const sink = new StagingSink();
    await assert.rejects(run([bytesSource('ok.jsonl', '{"a":1}\n'), bytesSource('bomb.zip', bomb)], sink), (err: unknown) => {
      assert.ok(err instanceof L1g1Error);
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.reason, 'ARCHIVE_LIMIT_EXCEEDED');
      assert.deepEqual(err.metadata, { file: 'bomb.zip', limit: 'max_compression_ratio', limit_value: '100' });
      return true;
    });
    assert.deepEqual([...sink.committed.keys()], ['ok.jsonl'], 'the caller rolls back what was committed before; nothing of bomb.zip got in');
    assert.deepEqual(await readdir(tmpDir), []);
  });

  it('a limit broken while a parser reads an entry ends the upload, even wrapped by the parser as its cause', async () => {
    // A gzipped single file: its ratio is only seen while the parser reads it, and nothing after re-checks it.
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    const sink = new StagingSink();
    await assert.rejects(run([bytesSource('zeros.jsonl.gz', bomb)], sink), (err: unknown) => {
      assert.ok(err instanceof L1g1Error);
      assert.equal(err.reason, 'ARCHIVE_LIMIT_EXCEEDED');
      assert.deepEqual(err.metadata, { file: 'zeros.jsonl.gz', limit: 'max_compression_ratio', limit_value: '100' });
      return true;
    });
    assert.equal(sink.committed.size, 0);
  });

  it('a malformed archive is reported with its byte offset; the files after it go on', async () => {
    const tgz = await makeTarGz([{ name: 'a.csv', data: 'k\n' + 'v\n'.repeat(3000) }]);
    const cut = tgz.subarray(0, 40);
    const sink = new StagingSink();
    const report = await run([bytesSource('cut.tar.gz', cut), bytesSource('after.jsonl', '{"z":1}\n')], sink);
    assert.deepEqual(report.files[0]?.error, {
      reason: 'MALFORMED_FILE',
      message: `file: cut.tar.gz: malformed archive at byte ${cut.byteLength}: not a valid gzip stream`,
      metadata: { file: 'cut.tar.gz', byte_offset: String(cut.byteLength) },
    });
    assert.equal(report.files[0]?.status, 'failed');
    assert.deepEqual(sink.dataOf('after.jsonl'), ['{"z":1}']);
  });

  it("a parser's crash is the file's failure with a stable message: no library text or path in the report", async () => {
    const sink = new StagingSink();
    const report = await run([bytesSource('notes.txt', 'hello\n'), bytesSource('x.jsonl', '{"x":1}\n')], sink, { text: crashingText });
    const line = report.files[0];
    assert.deepEqual(line?.error, { reason: 'PARSE_FAILED', message: 'notes.txt: could not be parsed', metadata: { file: 'notes.txt' } });
    assert.ok(line?.cause instanceof TypeError, 'the cause is kept for the log');
    assert.doesNotMatch(JSON.stringify(report), /\/srv\/|node_modules|TypeError/);
    assert.deepEqual(sink.dataOf('x.jsonl'), ['{"x":1}']);
  });

  it("the sink's failure ends the upload with the sink's error, not as a file's", async () => {
    const sink = new StagingSink();
    sink.failOnWrite = true;
    await assert.rejects(run([bytesSource('a.jsonl', '{"a":1}\n')], sink), /disk full/);
  });

  it('an upload stream cut mid-file (CANCELLED) ends the upload instead of blaming the file', async () => {
    const cutSource: FileSource = {
      name: 'long.jsonl',
      async *stream() {
        yield Buffer.from('{"a":1}\n');
        throw errors.cancelled('upload cut by the client');
      },
      readAll: () => Promise.reject(new Error('not used')),
    };
    const sink = new StagingSink();
    await assert.rejects(run([cutSource], sink), (err: unknown) => err instanceof L1g1Error && err.kind === 'CANCELLED');
    assert.equal(sink.committed.size, 0);
  });

  it('a declared format wins over detection; a gzipped file is expanded then parsed', async () => {
    const sink = new StagingSink();
    const report = await run(
      [bytesSource('readings.dat', 'id\n1\n2\n'), bytesSource('rows.csv.gz', gzipSync('k,v\nx,1\n'))],
      sink,
      {},
      (f) => (f === 'readings.dat' ? 'csv' : undefined),
    );
    assert.deepEqual(
      report.files.map((f) => [f.file, f.format, f.detectedBy, f.records]),
      [
        ['readings.dat', 'csv', 'declared', 2],
        ['rows.csv.gz', 'gzip', 'content', 0],
        ['rows.csv.gz/rows.csv', 'csv', 'name', 1],
      ],
    );
    assert.deepEqual(sink.dataOf('rows.csv.gz/rows.csv'), ['x,1']);
  });

  it('more files than maxFiles (archive entries included) refuse the whole upload, naming the limit', async () => {
    const zip = await makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `r${i}.jsonl`, data: `{"i":${i}}\n` })));
    const sink = new StagingSink();
    await assert.rejects(run([bytesSource('first.jsonl', '{"a":1}\n'), bytesSource('many.zip', zip)], sink, {}, undefined, 4), (err: unknown) => {
      assert.ok(err instanceof L1g1Error);
      assert.equal(err.reason, 'TOO_MANY_FILES');
      assert.deepEqual(err.metadata, { file: 'many.zip/r2.jsonl', limit: 'max_files', limit_value: '4' });
      return true;
    });
  });
});
