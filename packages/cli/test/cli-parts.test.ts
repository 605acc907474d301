import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { walkInputs } from '../src/file-walk';
import { multipartStream } from '../src/multipart-stream';
import { parseRef, parseSplit } from '../src/commands/snapshot-command';
import { UsageError } from '../src/cli-config';
import { runCli } from '../src/run-cli';

describe('l1g1 CLI parts (no server)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-cli-parts-'));
    mkdirSync(join(dir, 'mail', 'spam'), { recursive: true });
    mkdirSync(join(dir, 'mail', 'ham'), { recursive: true });
    mkdirSync(join(dir, 'mail', '.git'), { recursive: true });
    writeFileSync(join(dir, 'mail', 'spam', 'b.txt'), 'bbb');
    writeFileSync(join(dir, 'mail', 'spam', 'a.txt'), 'a'.repeat(700_000));
    writeFileSync(join(dir, 'mail', 'ham', 'c.txt'), 'ccc');
    writeFileSync(join(dir, 'mail', '.git', 'HEAD'), 'hidden');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('walks a folder into sorted names under the folder\'s own name, skipping hidden entries', async () => {
    const files = await walkInputs([join(dir, 'mail'), join(dir, 'mail', 'ham', 'c.txt')]);
    assert.deepEqual(files.map((f) => f.name), ['mail/ham/c.txt', 'mail/spam/a.txt', 'mail/spam/b.txt', 'c.txt']);
    assert.equal(files[1]!.sizeBytes, 700_000);
  });

  it('the streamed multipart body parses back (with busboy, as the gateway does) into the same files, byte for byte', async () => {
    const files = await walkInputs([join(dir, 'mail')]);
    let counted = 0;
    let done = 0;
    const { body, contentType } = multipartStream(files, (n, fileDone) => {
      counted += n;
      if (fileDone) done++;
    });
    const parsed: { name: string; size: number; head: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const parser = busboy({ headers: { 'content-type': contentType }, preservePath: true });
      parser.on('file', (_f, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const all = Buffer.concat(chunks);
          parsed.push({ name: info.filename ?? '', size: all.length, head: all.subarray(0, 3).toString() });
        });
      });
      parser.on('close', resolve);
      parser.on('error', reject);
      Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>).pipe(parser);
    });
    assert.deepEqual(parsed, [
      { name: 'mail/ham/c.txt', size: 3, head: 'ccc' },
      { name: 'mail/spam/a.txt', size: 700_000, head: 'aaa' },
      { name: 'mail/spam/b.txt', size: 3, head: 'bbb' },
    ]);
    assert.equal(counted, 700_006);
    assert.equal(done, 3);
  });

  it('parses NAME[@VERSION] and --split, refusing what is not one', () => {
    assert.deepEqual(parseRef('mail'), { name: 'mail', version: 0 });
    assert.deepEqual(parseRef('mail@3'), { name: 'mail', version: 3 });
    assert.throws(() => parseRef('mail@0'), UsageError);
    assert.throws(() => parseRef('mail@x'), UsageError);
    assert.deepEqual(parseSplit('train=0.8,test=0.2'), { train: 0.8, test: 0.2 });
    assert.throws(() => parseSplit('train=most'), /--split/);
    assert.throws(() => parseSplit('train'), /--split/);
  });

  it('exit codes without a server: 2 for usage (unknown verb, unknown flag, bad gateway URL), 1 when the gateway cannot be reached', async () => {
    const io = (env: Record<string, string> = {}) => {
      let err = '';
      const stderr = { write: (s: string) => ((err += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
      const stdout = { write: () => true } as unknown as NodeJS.WritableStream;
      return { io: { env, stdout, stderr }, err: () => err };
    };
    assert.equal(await runCli(['frobnicate'], io().io), 2);
    assert.equal(await runCli(['datasets', '--colour'], io().io), 2);
    const badUrl = io({ L1G1_GATEWAY_URL: 'ftp://x' });
    assert.equal(await runCli(['datasets'], badUrl.io), 2);
    assert.match(badUrl.err(), /L1G1_GATEWAY_URL/);
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    const down = io({ L1G1_GATEWAY_URL: 'http://127.0.0.1:9' });
    assert.equal(await runCli(['datasets'], down.io), 1);
    assert.match(down.err(), /cannot reach the gateway/);
  });
});
