/**
 * The gateway's own ustar writer and reader (YOLO over REST): headers
 * byte-for-byte GNU tar's, archives GNU tar lists and extracts, archives
 * GNU tar writes read back, and every malformed or dangerous archive
 * refused with what is wrong.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { decodeTarHeader, encodeTarHeader, splitTarPath, tarChecksum, TarError } from '../src/archive/tar-header';
import { createTarPacker } from '../src/archive/tar-packer';
import { createTarReader, type TarReadEvent } from '../src/archive/tar-reader';

const MTIME = 1_700_000_000;
const hasTar = spawnSync('tar', ['--version']).status === 0;

function pack(files: [string, string | Buffer][], maxFileBytes = 1 << 20): Buffer {
  const p = createTarPacker({ maxFileBytes, mtimeSec: MTIME });
  const out: Buffer[] = [];
  for (const [path, body] of files) {
    out.push(...p.file(path));
    // In two pieces: the packer joins what the stream sends in chunks.
    const b = Buffer.from(body);
    p.data(b.subarray(0, 3));
    p.data(b.subarray(3));
  }
  out.push(...p.end());
  return Buffer.concat(out);
}

/** Reads `archive` fed in `pieceBytes` pieces; answers path → content, or throws the reader's error. */
async function unpack(archive: Buffer, pieceBytes = 7, maxMemberBytes = 1 << 20): Promise<Map<string, string>> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < archive.length; i += pieceBytes) pieces.push(archive.subarray(i, i + pieceBytes));
  const files = new Map<string, string>();
  let current = '';
  for await (const e of Readable.from(pieces).pipe(createTarReader({ maxMemberBytes })) as AsyncIterable<TarReadEvent>) {
    if (e.kind === 'member') {
      current = e.path;
      files.set(current, '');
    } else files.set(current, (files.get(current) ?? '') + e.bytes.toString('utf8'));
  }
  return files;
}

async function refusal(archive: Buffer, maxMemberBytes = 1 << 20): Promise<string> {
  try {
    await unpack(archive, 512, maxMemberBytes);
  } catch (err: unknown) {
    assert.ok(err instanceof TarError, `a TarError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('the archive was accepted');
}

/** A header block as a hostile or foreign writer would make it: fields patched, checksum recomputed. */
function forged(path: string, size: number, patch: (block: Buffer) => void = () => undefined): Buffer {
  const block = encodeTarHeader({ path, type: 'file', size: 0, mtimeSec: MTIME, mode: 0o644 });
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  if (path.length <= 100) {
    block.fill(0, 0, 100);
    block.write(path, 0, 'utf8');
  }
  patch(block);
  block.write(`${tarChecksum(block).toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

describe('gateway: ustar writer and reader', () => {
  it('writes the header GNU tar writes, checksum included', () => {
    const h = encodeTarHeader({ path: 'classes.txt', type: 'file', size: 4, mtimeSec: MTIME, mode: 0o644 });
    assert.equal(h.length, 512);
    // GNU tar 1.34 (--format=ustar --owner=0 --group=0 --numeric-owner --mtime=@1700000000 --mode=644) stores 011437 for this member.
    assert.equal(h.subarray(148, 156).toString('latin1'), '011437\0 ');
    assert.equal(tarChecksum(h), 0o11437);
    assert.equal(h.subarray(124, 136).toString('latin1'), '00000000004\0');
    assert.equal(h.subarray(257, 265).toString('latin1'), 'ustar\u000000');
    assert.equal(String.fromCharCode(h[156] ?? 0), '0');
  });

  it('matches GNU tar byte for byte and GNU tar lists and extracts what it packs', function () {
    if (!hasTar) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'l1g1-tar-'));
    try {
      const long = `labels/${'d'.repeat(80)}/${'f'.repeat(90)}.txt`;
      const files: [string, string][] = [
        ['classes.txt', 'car\n'],
        ['labels/t1.txt', '0 0.5 0.5 0.1 0.1\n'],
        ['labels/empty.txt', ''],
        [long, 'x'.repeat(1500)],
      ];
      const ours = pack(files);
      writeFileSync(join(dir, 'ours.tar'), ours);
      const listed = execFileSync('tar', ['-tf', join(dir, 'ours.tar')], { encoding: 'utf8' }).trim().split('\n');
      assert.deepEqual(listed, files.map(([p]) => p));
      mkdirSync(join(dir, 'out'));
      execFileSync('tar', ['-xf', join(dir, 'ours.tar'), '-C', join(dir, 'out')]);
      for (const [p, body] of files) assert.equal(readFileSync(join(dir, 'out', p), 'utf8'), body, p);
      // GNU tar's own archive of the same files: identical headers and bodies (its end is padded to a 10 KiB record).
      const gnu = execFileSync('tar', ['--format=ustar', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${MTIME}`, '--mode=644', '-C', join(dir, 'out'), '-cf', '-', ...files.map(([p]) => p)]);
      assert.deepEqual(gnu.subarray(0, ours.length - 1024), ours.subarray(0, ours.length - 1024));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads GNU tar archives in its default format, directories and ./ names included', async function () {
    if (!hasTar) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'l1g1-tar-'));
    try {
      mkdirSync(join(dir, 'labels'));
      writeFileSync(join(dir, 'classes.txt'), 'car\nperson\n');
      writeFileSync(join(dir, 'labels', 'a.txt'), '1 0.5 0.5 0.2 0.2\n');
      const gnu = execFileSync('tar', ['-C', dir, '-cf', '-', '.']);
      const files = await unpack(gnu, 100);
      assert.deepEqual([...files].sort(), [
        ['classes.txt', 'car\nperson\n'],
        ['labels/a.txt', '1 0.5 0.5 0.2 0.2\n'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('round-trips members of every size through the reader, whatever the piece sizes', async () => {
    const files: [string, string][] = [0, 1, 511, 512, 513, 2000].map((n) => [`labels/${n}.txt`, 'y'.repeat(n)]);
    const archive = pack(files);
    assert.equal(archive.length % 512, 0);
    for (const piece of [1, 7, 512, 100_000]) assert.deepEqual([...(await unpack(archive, piece))], files, `pieces of ${piece}`);
  });

  it('splits long paths into prefix and name, and refuses paths no split fits', () => {
    const p = splitTarPath(`${'a'.repeat(150)}/${'b'.repeat(99)}`);
    assert.deepEqual([p.prefix.length, p.name.length], [150, 99]);
    assert.throws(() => splitTarPath('c'.repeat(101)), TarError);
    assert.throws(() => splitTarPath(`${'a'.repeat(156)}/b`), TarError);
    const h = encodeTarHeader({ path: `${'a'.repeat(150)}/${'b'.repeat(99)}`, type: 'file', size: 1, mtimeSec: 0, mode: 0o644 });
    assert.equal(decodeTarHeader(h)?.path, `${'a'.repeat(150)}/${'b'.repeat(99)}`);
  });

  it('bounds a packed member: past maxFileBytes the packer refuses', () => {
    const p = createTarPacker({ maxFileBytes: 10, mtimeSec: MTIME });
    p.file('labels/big.txt');
    p.data(Buffer.alloc(10));
    assert.throws(() => p.data(Buffer.alloc(1)), /larger than 10 bytes/);
  });

  it('refuses traversal, absolute names, links, oversize members, bad checksums and cut archives, saying which', async () => {
    const end = Buffer.alloc(1024);
    assert.match(await refusal(Buffer.concat([forged('../etc/passwd', 0), end])), /climbs out/);
    assert.match(await refusal(Buffer.concat([forged('labels/../../x.txt', 0), end])), /climbs out/);
    assert.match(await refusal(Buffer.concat([forged('/etc/passwd', 0), end])), /absolute/);
    assert.match(await refusal(Buffer.concat([forged('link', 0, (b) => b.write('2', 156, 'ascii')), end])), /symbolic link/);
    assert.match(await refusal(Buffer.concat([forged('pax', 0, (b) => b.write('x', 156, 'ascii')), end])), /pax extended header/);
    assert.match(await refusal(Buffer.concat([forged('labels/big.txt', 2048), Buffer.alloc(2048), end]), 1024), /2048 bytes, more than the 1024/);
    const damaged = pack([['classes.txt', 'car\n']]);
    damaged[0] = 0x44;
    assert.match(await refusal(damaged), /checksum/);
    const whole = pack([['classes.txt', 'car\n'.repeat(300)]]);
    assert.match(await refusal(whole.subarray(0, 700)), /cut short: it ends in the middle of a member/);
    assert.match(await refusal(whole.subarray(0, whole.length - 1024)), /without its end-of-archive blocks/);
    assert.match(await refusal(Buffer.alloc(0)), /empty/);
    assert.match(await refusal(Buffer.from('{"not":"a tar"}'.repeat(40))), /checksum|octal/);
  });
});
