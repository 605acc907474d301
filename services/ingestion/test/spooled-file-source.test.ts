import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPOOL_READ_CHUNK_BYTES, spooledFileSource } from '../src/worker/spooled-file-source';

describe('spooled file source', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-spooled-source-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('streams a spooled file in chunks of at most 64 KiB, every byte once', async () => {
    const bytes = Buffer.alloc(1024 * 1024 + 123, 7);
    const path = join(dir, '0.bin');
    writeFileSync(path, bytes);
    const sizes: number[] = [];
    for await (const chunk of spooledFileSource('big.txt', path, bytes.length).stream()) sizes.push(chunk.byteLength);
    assert.equal(SPOOL_READ_CHUNK_BYTES, 64 * 1024);
    assert.ok(Math.max(...sizes) <= 64 * 1024, `largest chunk ${Math.max(...sizes)} bytes`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), bytes.length);
  });
});
