import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobUri, blobUriSha256, createFileBlobStore, L1g1Error, openSqlite } from '@l1g1/kit';

describe('kit: content-addressed file blob store', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'l1g1-blobs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('publishes a blob under its sha256 only on commit, atomically', async () => {
    const store = createFileBlobStore(root);
    const w = store.begin({ maxBytes: 1024 });
    await w.write(Buffer.from('hello '));
    await w.write(Buffer.from('world'));
    const sha = createHash('sha256').update('hello world').digest('hex');
    assert.equal(await store.stat(sha), undefined, 'visible before commit');
    const info = await w.commit({ sha256: sha, sizeBytes: 11 });
    assert.equal(info.sha256, sha);
    assert.equal(readFileSync(join(root, 'sha256', sha.slice(0, 2), sha), 'utf8'), 'hello world');
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  });

  it('leaves nothing behind on abort, checksum mismatch, size mismatch or overflow', async () => {
    const store = createFileBlobStore(root);
    const a = store.begin({ maxBytes: 1024 });
    await a.write(Buffer.from('partial'));
    await a.abort();
    const b = store.begin({ maxBytes: 1024 });
    await b.write(Buffer.from('data'));
    await assert.rejects(b.commit({ sha256: '0'.repeat(64) }), (e: unknown) => e instanceof L1g1Error && e.reason === 'CHECKSUM_MISMATCH');
    const c = store.begin({ maxBytes: 1024 });
    await c.write(Buffer.from('data'));
    await assert.rejects(c.commit({ sizeBytes: 10 }), (e: unknown) => e instanceof L1g1Error && e.reason === 'SIZE_MISMATCH');
    const d = store.begin({ maxBytes: 4 });
    await assert.rejects(d.write(Buffer.from('too long')), (e: unknown) => e instanceof L1g1Error && e.reason === 'ARTIFACT_TOO_LARGE');
    await d.abort();
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
    assert.equal(existsSync(join(root, 'sha256')), false);
  });

  it('seals an upload: hashes once while writing, exposes a local file to inspect, then commits under a logical URI', async () => {
    const store = createFileBlobStore(root);
    const w = store.begin({ maxBytes: 1024 });
    await w.write(Buffer.from('hello '));
    await w.write(Buffer.from('world'));
    const sha = createHash('sha256').update('hello world').digest('hex');

    const sealed = await w.seal();

    assert.equal(sealed.sha256, sha);
    assert.equal(sealed.sizeBytes, 11);
    assert.equal(readFileSync(sealed.localPath, 'utf8'), 'hello world');
    assert.equal(await store.stat(sha), undefined, 'sealed is not published');
    const info = await w.commit({ sha256: sha, sizeBytes: 11 });
    assert.equal(info.uri, `l1g1://blobs/sha256/${sha}`);
    assert.ok(!info.uri.includes(root), 'no host path in the URI');
    assert.equal((await store.stat(sha))?.uri, info.uri);
    assert.equal(existsSync(sealed.localPath), false, 'the temp file became the blob');
  });

  it('resolves logical URIs, and the file:// URIs of older rows, to the sha256 they name', () => {
    const sha = 'ab'.repeat(32);
    assert.equal(blobUriSha256(blobUri(sha)), sha);
    assert.equal(blobUriSha256(`file:///srv/data/registry/blobs/sha256/ab/${sha}`), sha);
    assert.equal(blobUriSha256('l1g1://blobs/sha256/../../etc'), undefined);
    assert.equal(blobUriSha256('https://example.com/x'), undefined);
  });

  it('refuses keys that are not sha256 hex, so no key can name a path outside the root', async () => {
    const store = createFileBlobStore(root);
    assert.throws(() => store.openRead('../../etc/passwd'), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT');
    await assert.rejects(store.delete('..'), L1g1Error);
  });
});

describe('kit: sqlite', () => {
  it('applies each migration once, in order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1g1-sqlite-'));
    try {
      const path = join(dir, 'x.db');
      const m = ['CREATE TABLE a (x INTEGER)', 'INSERT INTO a VALUES (1)'];
      openSqlite(path, m).close();
      const db = openSqlite(path, [...m, 'INSERT INTO a VALUES (2)']);
      assert.deepEqual(db.prepare('SELECT x FROM a ORDER BY x').all(), [{ x: 1 }, { x: 2 }]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
