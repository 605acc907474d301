import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  ConfigError,
  createFileBlobStore,
  createS3BlobStore,
  createS3BlobStoreFromEnv,
  createS3ClientFromEnv,
  L1g1Error,
  parseS3BlobUrl,
  type SpooledBlobWriter,
} from '@l1g1/kit';
import { useS3 } from '../../../test/support/s3';
import { describeBlobStoreContract } from './blob-store-contract';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

async function listAll(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? '');
}

describeBlobStoreContract('files', async () => {
  const root = mkdtempSync(join(tmpdir(), 'l1g1-blobs-'));
  return {
    store: createFileBlobStore(root),
    listObjects: async () => walk(root).map((p) => relative(root, p)),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
});

describe('kit: S3 blob store (real s3rver)', () => {
  const server = useS3();
  let bucketSeq = 0;

  // A bucket per test: leftovers of one test never hide another's.
  describeBlobStoreContract('S3 (s3rver)', async () => {
    const client = createS3ClientFromEnv(server.s3.env);
    const bucket = `contract-${++bucketSeq}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return {
      // 5 MiB parts: the 11 MiB test artifact takes three, so multipart is exercised.
      store: createS3BlobStore({ client, bucket, prefix: 'models/', partSizeBytes: 5 * 1024 * 1024 }),
      listObjects: () => listAll(client, bucket),
      cleanup: async () => {
        for (const key of await listAll(client, bucket)) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        client.destroy();
      },
    };
  });

  // Spool mode: the same contract, plus seal().
  describeBlobStoreContract('S3 (s3rver), spooled through a local file', async () => {
    const client = createS3ClientFromEnv(server.s3.env);
    const bucket = `spooled-${++bucketSeq}`;
    const spoolDir = mkdtempSync(join(tmpdir(), 'l1g1-spool-'));
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return {
      store: createS3BlobStore({ client, bucket, prefix: 'models/', partSizeBytes: 5 * 1024 * 1024, spoolDir }),
      listObjects: async () => [...(await listAll(client, bucket)), ...readdirSync(spoolDir).map((n) => `spool/${n}`)],
      cleanup: async () => {
        for (const key of await listAll(client, bucket)) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        client.destroy();
        rmSync(spoolDir, { recursive: true, force: true });
      },
    };
  });

  it('seals a spooled upload: its hash and a local file with exactly the bytes, nothing in the bucket until commit', async () => {
    const client = createS3ClientFromEnv(server.s3.env);
    const bucket = 'sealed';
    const spoolDir = mkdtempSync(join(tmpdir(), 'l1g1-spool-'));
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    try {
      const store = createS3BlobStore({ client, bucket, prefix: '', spoolDir });
      const w = store.begin({ maxBytes: 100 }) as SpooledBlobWriter;
      await w.write(Buffer.from('onnx bytes'));
      const sealed = await w.seal();
      assert.deepEqual(await w.seal(), sealed, 'idempotent');
      assert.equal(sealed.sha256, createHash('sha256').update('onnx bytes').digest('hex'));
      assert.equal(sealed.sizeBytes, 10);
      assert.equal(readFileSync(sealed.localPath, 'utf8'), 'onnx bytes');
      assert.deepEqual(await listAll(client, bucket), []);
      await assert.rejects(w.write(Buffer.from('more')), (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION');
      const info = await w.commit({ sha256: sealed.sha256 });
      assert.deepEqual(await listAll(client, bucket), [`sha256/${info.sha256.slice(0, 2)}/${info.sha256}`]);
      assert.deepEqual(readdirSync(spoolDir), [], 'the local file is gone after commit');
      await assert.rejects(w.commit(), (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION');
    } finally {
      for (const key of await listAll(client, bucket)) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });

  it('is chosen by L1G1_BLOB_URL and names blobs by logical s3:// URIs without endpoint or credentials', async () => {
    const store = createS3BlobStoreFromEnv(`s3://${server.s3.bucket}/team/models`, server.s3.env);
    const w = store.begin({ maxBytes: 100 });
    await w.write(Buffer.from('artifact'));
    const info = await w.commit();
    const hex = createHash('sha256').update('artifact').digest('hex');
    assert.equal(info.uri, `s3://${server.s3.bucket}/team/models/sha256/${hex.slice(0, 2)}/${hex}`);
    for (const secret of ['127.0.0.1', 'S3RVER', 'http']) assert.ok(!info.uri.includes(secret), `uri leaks ${secret}`);
    const client = createS3ClientFromEnv(server.s3.env);
    try {
      assert.deepEqual(await listAll(client, server.s3.bucket), [`team/models/sha256/${hex.slice(0, 2)}/${hex}`]);
    } finally {
      client.destroy();
    }
  });

  it('shows no object at all while a multipart upload is in flight, and none after it is aborted', async () => {
    const client = createS3ClientFromEnv(server.s3.env);
    const bucket = 'in-flight';
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    try {
      const store = createS3BlobStore({ client, bucket, prefix: '', partSizeBytes: 5 * 1024 * 1024 });
      const w = store.begin({ maxBytes: 64 * 1024 * 1024 });
      const chunk = Buffer.alloc(1024 * 1024, 7);
      // 12 MiB: at least two 5 MiB parts have been sent to the server by now.
      for (let i = 0; i < 12; i++) await w.write(chunk);
      assert.deepEqual(await listAll(client, bucket), []);
      await w.abort();
      assert.deepEqual(await listAll(client, bucket), []);
    } finally {
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    }
  });

  it('refuses a malformed L1G1_BLOB_URL or one carrying credentials, naming the variable', () => {
    assert.deepEqual(parseS3BlobUrl('s3://bucket'), { bucket: 'bucket', prefix: '' });
    assert.deepEqual(parseS3BlobUrl('s3://bucket/a/b/'), { bucket: 'bucket', prefix: 'a/b/' });
    for (const bad of ['http://bucket/x', 'not a url', 's3://key:secret@bucket/x', 's3:///x']) {
      assert.throws(() => parseS3BlobUrl(bad), (e: unknown) => e instanceof ConfigError && e.variable === 'L1G1_BLOB_URL', bad);
    }
  });

  it('reports an unreachable server as UNAVAILABLE without its address', async () => {
    const env = { ...server.s3.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    const store = createS3BlobStoreFromEnv('s3://nowhere/x', env);
    await assert.rejects(
      store.stat('a'.repeat(64)),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'UNAVAILABLE' && !e.message.includes('127.0.0.1'),
    );
    const w = store.begin({ maxBytes: 10 });
    await assert.rejects(
      (async () => {
        await w.write(Buffer.from('x'));
        await w.commit();
      })(),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'UNAVAILABLE' && !e.message.includes('127.0.0.1'),
    );
  });
});
