/**
 * The BlobStore contract, run against every implementation (files, S3): what
 * a caller may rely on whichever store the deployment picked.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { L1g1Error, type BlobStore } from '@l1g1/kit';

export interface BlobStoreFixture {
  store: BlobStore;
  /** Every object the backend holds (content and temporary), as backend-relative names. */
  listObjects(): Promise<string[]>;
  cleanup(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

export function describeBlobStoreContract(name: string, setup: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fx: BlobStoreFixture;
    beforeEach(async () => {
      fx = await setup();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('publishes a blob under its sha256 only on commit, and reads back the same bytes', async () => {
      const w = fx.store.begin({ maxBytes: 1024 });
      await w.write(Buffer.from('hello '));
      await w.write(Buffer.from('world'));
      const key = sha('hello world');
      assert.equal(await fx.store.stat(key), undefined, 'visible before commit');
      const info = await w.commit({ sha256: key, sizeBytes: 11 });
      assert.equal(info.sha256, key);
      assert.equal(info.sizeBytes, 11);
      assert.equal(info.uri, fx.store.uriOf(key));
      assert.equal((await fx.store.stat(key))?.sizeBytes, 11);
      assert.equal((await readAll(fx.store.openRead(key))).toString('utf8'), 'hello world');
      assert.equal((await fx.listObjects()).length, 1, 'only the content object remains (no temporary left)');
    });

    it('streams an artifact larger than one multipart part and verifies its sha256', async () => {
      const data = randomBytes(11 * 1024 * 1024 + 123);
      const w = fx.store.begin({ maxBytes: data.length });
      for (let off = 0; off < data.length; off += 256 * 1024) await w.write(data.subarray(off, off + 256 * 1024));
      assert.equal(w.bytesWritten, data.length);
      assert.equal(await fx.store.stat(sha(data)), undefined, 'visible before commit');
      const info = await w.commit({ sha256: sha(data), sizeBytes: data.length });
      const back = await readAll(fx.store.openRead(info.sha256, { highWaterMark: 64 * 1024 }));
      assert.equal(back.length, data.length);
      assert.equal(sha(back), sha(data));
    });

    it('stores the bytes as they were when written, even if the caller reuses its buffer afterwards', async function () {
      for (const chunkBytes of [4 * 1024, 1024 * 1024]) {
        const chunk = Buffer.alloc(chunkBytes);
        const expected = createHash('sha256');
        const w = fx.store.begin({ maxBytes: 16 * chunkBytes });
        for (let i = 0; i < 16; i++) {
          chunk.fill(i + 1);
          expected.update(chunk);
          await w.write(chunk);
        }
        chunk.fill(0xff);
        const info = await w.commit();
        assert.equal(info.sha256, expected.digest('hex'));
        assert.equal(sha(await readAll(fx.store.openRead(info.sha256))), info.sha256, `${chunkBytes}-byte chunks: stored bytes differ from their key`);
      }
    });

    it('leaves nothing behind on abort, checksum mismatch, size mismatch or overflow', async () => {
      const a = fx.store.begin({ maxBytes: 1024 });
      await a.write(Buffer.from('partial'));
      await a.abort();
      await a.abort();
      const b = fx.store.begin({ maxBytes: 1024 });
      await b.write(Buffer.from('data'));
      await assert.rejects(b.commit({ sha256: '0'.repeat(64) }), (e: unknown) => e instanceof L1g1Error && e.reason === 'CHECKSUM_MISMATCH');
      const c = fx.store.begin({ maxBytes: 1024 });
      await c.write(Buffer.from('data'));
      await assert.rejects(c.commit({ sizeBytes: 10 }), (e: unknown) => e instanceof L1g1Error && e.reason === 'SIZE_MISMATCH');
      const d = fx.store.begin({ maxBytes: 4 });
      await assert.rejects(d.write(Buffer.from('too long')), (e: unknown) => e instanceof L1g1Error && e.reason === 'ARTIFACT_TOO_LARGE');
      await d.abort();
      assert.equal(await fx.store.stat(sha('data')), undefined);
      assert.deepEqual(await fx.listObjects(), []);
    });

    it('stores identical content once, deletes it, and fails to read a missing blob', async () => {
      for (let i = 0; i < 2; i++) {
        const w = fx.store.begin({ maxBytes: 100 });
        await w.write(Buffer.from('same bytes'));
        await w.commit();
      }
      assert.equal((await fx.listObjects()).length, 1);
      await fx.store.delete(sha('same bytes'));
      await fx.store.delete(sha('same bytes'));
      assert.equal(await fx.store.stat(sha('same bytes')), undefined);
      assert.deepEqual(await fx.listObjects(), []);
      await assert.rejects(readAll(fx.store.openRead(sha('same bytes'))));
    });

    it('refuses keys that are not sha256 hex, so no key can name a place outside the store', async () => {
      assert.throws(() => fx.store.openRead('../../etc/passwd'), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT');
      assert.throws(() => fx.store.uriOf('../x'), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT');
      await assert.rejects(fx.store.delete('..'), L1g1Error);
    });
  });
}
