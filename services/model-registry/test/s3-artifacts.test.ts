/**
 * The registry with L1G1_BLOB_URL: artifacts in a real S3-compatible server
 * (an s3rver process), over gRPC as a client sees it. Uploads land in the
 * bucket only once verified and checked, downloads stream back from it, a cut
 * or refused upload leaves nothing behind (neither an object nor a version
 * nor a spool file), and the artifact's URI stays logical.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { registry } from '@l1g1/contracts';
import { createS3ClientFromEnv, createSilentLogger, unary } from '@l1g1/kit';
import { buildMlp } from '@l1g1/onnx';
import { startTestS3, useS3, type TestS3 } from '../../../test/support/s3';
import { loadRegistryConfig, startModelRegistry } from '../src/index';
import {
  blobFiles,
  chunkMessages,
  eventually,
  headerMessage,
  metadataWithActor,
  readAll,
  rejectsWith,
  startTestRegistry,
  tinyModel,
  uniqueName,
  upload,
  uploadVersion,
  type TestRegistry,
} from './helpers';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const PREFIX = 'team/models';

async function listKeys(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

function spoolFiles(t: TestRegistry): string[] {
  try {
    return readdirSync(join(t.config.registryDir, 'spool'));
  } catch {
    return [];
  }
}

function chunksOf(messages: registry.DownloadArtifactResponse[]): Buffer[] {
  return messages.slice(1).map((m) => (m.payload?.$case === 'chunk' ? m.payload.value : assert.fail('expected a chunk')));
}

describe('model-registry: artifacts on S3 (real s3rver)', () => {
  const server = useS3();
  let t: TestRegistry;
  let s3: S3Client;

  before(async () => {
    t = await startTestRegistry({ L1G1_BLOB_URL: `s3://${server.s3.bucket}/${PREFIX}`, ...server.s3.env });
    s3 = createS3ClientFromEnv(server.s3.env);
  });

  after(async () => {
    s3?.destroy();
    await t?.close();
  });

  it('stores an uploaded artifact in the bucket under its sha256, names it by a logical URI, and keeps no local blob', async () => {
    const bytes = tinyModel(7001);
    const hex = sha256(bytes);

    const version = await uploadVersion(t.client, uniqueName('s3-upload'), bytes);

    const [artifact] = version.artifacts;
    assert.equal(artifact?.sha256, hex);
    assert.equal(artifact?.uri, `l1g1://blobs/sha256/${hex}`, 'clients see the logical URI, not the bucket');
    assert.ok((await listKeys(s3, server.s3.bucket)).includes(`${PREFIX}/sha256/${hex.slice(0, 2)}/${hex}`));
    const stored = await s3.send(new GetObjectCommand({ Bucket: server.s3.bucket, Key: `${PREFIX}/sha256/${hex.slice(0, 2)}/${hex}` }));
    assert.deepEqual(Buffer.from(await stored.Body?.transformToByteArray() ?? []), Buffer.from(bytes));
    assert.deepEqual(blobFiles(t.config), [], 'nothing is stored in the local blob folder');
    assert.deepEqual(spoolFiles(t), [], 'the spool file is gone once committed');
  });

  it('downloads the artifact from the bucket byte for byte, in chunks of at most chunk_size, with its sha256', async () => {
    const name = uniqueName('s3-download');
    const bytes = tinyModel(7002);
    await uploadVersion(t.client, name, bytes);

    const messages = await readAll<registry.DownloadArtifactResponse>(
      t.client.downloadArtifact({ modelName: name, version: 1, precision: 0, chunkSize: 100 }),
    );

    const info = messages[0]?.payload?.$case === 'info' ? messages[0].payload.value : assert.fail('info comes first');
    assert.equal(info.sha256, sha256(bytes));
    assert.equal(info.uri, `l1g1://blobs/sha256/${sha256(bytes)}`);
    const chunks = chunksOf(messages);
    assert.ok(chunks.every((c) => c.byteLength <= 100), `chunk sizes: ${chunks.map((c) => c.byteLength).join(',')}`);
    assert.equal(chunks.length, Math.ceil(bytes.byteLength / 100));
    const downloaded = Buffer.concat(chunks);
    assert.deepEqual(downloaded, Buffer.from(bytes));
    assert.equal(sha256(downloaded), info.sha256);
  });

  it('round-trips an artifact larger than one multipart part (9 MB)', async function () {
    this.timeout(60_000);
    const name = uniqueName('s3-large');
    // 4 -> 1500 -> 1500 -> 3 float32 weights: about 9 MB, more than the 8 MiB part size.
    const bytes = buildMlp({ inputSize: 4, hiddenSizes: [1500, 1500], outputSize: 3, seed: 7003, softmax: true, inputName: 'features', outputName: 'probabilities' });
    assert.ok(bytes.byteLength > 8 * 1024 * 1024);

    const version = await uploadVersion(t.client, name, bytes);
    const messages = await readAll<registry.DownloadArtifactResponse>(
      t.client.downloadArtifact({ modelName: name, version: 1, precision: 0, chunkSize: 0 }),
    );

    assert.equal(version.artifacts[0]?.sizeBytes, bytes.byteLength);
    const downloaded = Buffer.concat(chunksOf(messages));
    assert.equal(sha256(downloaded), sha256(bytes));
    assert.ok(chunksOf(messages).every((c) => c.byteLength <= 256 * 1024), 'default chunks are at most 256 KiB');
  });

  it('refuses bytes that do not hash to expected_sha256: no object, no version, no spool file', async () => {
    const name = uniqueName('s3-bad-sha');
    const before = await listKeys(s3, server.s3.bucket);

    await rejectsWith(uploadVersion(t.client, name, tinyModel(7004), { expectedSha256: sha256(tinyModel(7005)) }), {
      kind: 'INVALID_ARGUMENT',
      reason: 'CHECKSUM_MISMATCH',
    });

    assert.deepEqual(await listKeys(s3, server.s3.bucket), before);
    await rejectsWith(unary(t.client.getModel.bind(t.client), { name }), { kind: 'NOT_FOUND' });
    await eventually(() => spoolFiles(t).length === 0, 'the spool file is removed');
  });

  it('a cut upload (fewer bytes than announced) leaves no object and no version', async () => {
    const name = uniqueName('s3-short');
    await uploadVersion(t.client, name, tinyModel(7006));
    const before = await listKeys(s3, server.s3.bucket);
    const bytes = tinyModel(7007);

    await rejectsWith(
      upload(t.client, [headerMessage({ modelName: name, expectedSizeBytes: bytes.byteLength }), ...chunkMessages(bytes.subarray(0, 200), 64)]),
      { kind: 'INVALID_ARGUMENT', reason: 'SIZE_MISMATCH' },
    );

    assert.deepEqual(await listKeys(s3, server.s3.bucket), before, 'no object was added to the bucket');
    const versions = await unary(t.client.listVersions.bind(t.client), registry.ListVersionsRequest.fromPartial({ modelName: name }));
    assert.deepEqual(versions.versions.map((v) => v.version), [1]);
    await eventually(() => spoolFiles(t).length === 0, 'the spool file is removed');
  });

  it('a cut upload (the client cancels mid-stream) leaves no object, no version and no spool file', async () => {
    const name = uniqueName('s3-cancel');
    await uploadVersion(t.client, name, tinyModel(7008));
    const before = await listKeys(s3, server.s3.bucket);
    const bytes = tinyModel(7009);
    const messages = [headerMessage({ modelName: name, expectedSizeBytes: bytes.byteLength }), ...chunkMessages(bytes, 64)];

    const outcome = new Promise<Error | null>((done) => {
      const call = t.client.createVersion(metadataWithActor(undefined), (err) => done(err));
      for (const message of messages.slice(0, 4)) call.write(message);
      // Cancel only once the upload is being spooled, so the cut lands mid-upload.
      void eventually(() => spoolFiles(t).length > 0, 'the upload is being spooled').then(() => call.cancel(), () => call.cancel());
    });

    assert.ok(await outcome, 'the cancelled call fails');
    await eventually(() => spoolFiles(t).length === 0, 'the spool file is removed');
    assert.deepEqual(await listKeys(s3, server.s3.bucket), before, 'no object was added to the bucket');
    const versions = await unary(t.client.listVersions.bind(t.client), registry.ListVersionsRequest.fromPartial({ modelName: name }));
    assert.deepEqual(versions.versions.map((v) => v.version), [1]);
  });

  it('removes spool files a crashed process left (untouched for over an hour) at start, and keeps recent ones', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-registry-spool-'));
    const spoolDir = join(dataDir, 'registry', 'spool');
    mkdirSync(spoolDir, { recursive: true });
    const stale = join(spoolDir, 'stale.part');
    writeFileSync(stale, 'cut by a crash');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    // Another live process's upload, when replicas share a data dir.
    writeFileSync(join(spoolDir, 'recent.part'), 'in flight');
    const config = loadRegistryConfig({
      L1G1_DATA_DIR: dataDir,
      L1G1_REGISTRY_ADDR: '127.0.0.1:0',
      L1G1_BLOB_URL: `s3://${server.s3.bucket}/${PREFIX}`,
      ...server.s3.env,
    });

    const service = await startModelRegistry(config, { logger: createSilentLogger() });
    try {
      assert.deepEqual(readdirSync(spoolDir), ['recent.part']);
    } finally {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('deleting the last version that references a blob removes its object from the bucket', async () => {
    const name = uniqueName('s3-delete');
    const bytes = tinyModel(7010);
    const key = `${PREFIX}/sha256/${sha256(bytes).slice(0, 2)}/${sha256(bytes)}`;
    await uploadVersion(t.client, name, bytes);
    assert.ok((await listKeys(s3, server.s3.bucket)).includes(key));

    await unary(t.client.deleteVersion.bind(t.client), registry.DeleteVersionRequest.fromPartial({ modelName: name, version: 1 }));

    assert.ok(!(await listKeys(s3, server.s3.bucket)).includes(key));
  });
});

describe('model-registry: S3 failures (real s3rver)', () => {
  it('refuses to start when the bucket does not exist, naming the URL and no credential', async function () {
    this.timeout(30_000);
    const s3 = await startTestS3('present');
    const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-registry-s3-'));
    try {
      const config = loadRegistryConfig({
        L1G1_DATA_DIR: dataDir,
        L1G1_REGISTRY_ADDR: '127.0.0.1:0',
        L1G1_BLOB_URL: 's3://absent/models',
        ...s3.env,
      });

      await assert.rejects(startModelRegistry(config, { logger: createSilentLogger() }), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /artifact storage s3:\/\/absent\/models is not reachable/);
        assert.ok(!err.message.includes('S3RVER'), 'no credential in the message');
        return true;
      });
    } finally {
      await s3.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('when the S3 server goes away', () => {
    let s3: TestS3;
    let t: TestRegistry;

    before(async function () {
      this.timeout(60_000);
      s3 = await startTestS3();
      t = await startTestRegistry({ L1G1_BLOB_URL: `s3://${s3.bucket}/models`, ...s3.env });
    });

    after(async () => {
      await t?.close();
      await s3?.stop();
    });

    it('answers UNAVAILABLE without storage details, stores no version, and leaves no spool file', async function () {
      this.timeout(60_000);
      const name = uniqueName('s3-down');
      await uploadVersion(t.client, name, tinyModel(7100));
      await s3.stop();

      const upErr = await rejectsWith(uploadVersion(t.client, name, tinyModel(7101)), {
        kind: 'UNAVAILABLE',
        reason: 'BLOB_STORE_UNAVAILABLE',
        message: /^artifact storage is unavailable$/,
      });
      const downErr = await rejectsWith(
        readAll(t.client.downloadArtifact({ modelName: name, version: 1, precision: 0, chunkSize: 0 })),
        { kind: 'UNAVAILABLE', reason: 'BLOB_STORE_UNAVAILABLE' },
      );

      for (const err of [upErr, downErr]) {
        assert.ok(!err.message.includes('127.0.0.1') && !err.message.includes(s3.bucket), `no endpoint or bucket in: ${err.message}`);
      }
      const versions = await unary(t.client.listVersions.bind(t.client), registry.ListVersionsRequest.fromPartial({ modelName: name }));
      assert.deepEqual(versions.versions.map((v) => v.version), [1]);
      await eventually(() => spoolFiles(t).length === 0, 'the spool file is removed');
    });
  });
});
