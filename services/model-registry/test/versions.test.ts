import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { common, registry } from '@l1g1/contracts';
import { asL1g1Error, unary } from '@l1g1/kit';
import { buildDemoClassifier, buildMlp } from '@l1g1/onnx';
import {
  blobFiles,
  chunkMessages,
  eventually,
  headerMessage,
  readAll,
  rejectsWith,
  startTestRegistry,
  tinyModel,
  tmpFiles,
  uniqueName,
  upload,
  uploadVersion,
  type TestRegistry,
  metadataWithActor,
} from './helpers';

const MAX_ARTIFACT_BYTES = 256 * 1024;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('model-registry: versions and artifacts', () => {
  let t: TestRegistry;

  before(async () => {
    t = await startTestRegistry({
      L1G1_REGISTRY_MAX_ARTIFACT_BYTES: String(MAX_ARTIFACT_BYTES),
      // Some tests race several uploads on purpose.
      L1G1_REGISTRY_MAX_CONCURRENT_UPLOADS: '16',
    });
  });

  after(async () => {
    await t.close();
  });

  /** Where the file blob store keeps a blob (test-side knowledge; never in an answer). */
  const blobPath = (sha: string): string => join(t.config.blobDir, 'sha256', sha.slice(0, 2), sha);

  /** Asserts that nothing of a failed upload is left: no committed blob of `bytes`, no temp file. */
  async function assertNothingStored(bytes: Uint8Array, blobsBefore: number): Promise<void> {
    await eventually(() => tmpFiles(t.config).length === 0, 'the upload temp file is removed');
    assert.equal(blobFiles(t.config).length, blobsBefore, 'no blob was committed');
    assert.ok(!blobFiles(t.config).some((f) => f.endsWith(sha256(bytes))));
  }

  describe('CreateVersion', () => {
    it('stores an ONNX artifact: version 1, signature, checksum, a logical uri naming the blob that holds the bytes', async () => {
      const name = uniqueName('iris');
      const bytes = buildDemoClassifier();

      const v = await uploadVersion(
        t.client,
        name,
        bytes,
        {
          description: 'first',
          tags: { stage: 'dev' },
          metrics: { accuracy: 0.96 },
          expectedSha256: sha256(bytes),
          expectedSizeBytes: bytes.byteLength,
          lineage: {
            dataset: { name: 'iris', snapshot: 3 },
            trainingJobId: 'job-1',
            parent: undefined,
            codeVersion: 'abc',
            params: { lr: '0.01' },
          },
        },
        'alice',
      );

      assert.equal(v.modelName, name);
      assert.equal(v.version, 1);
      assert.equal(v.status, registry.VersionStatus.VERSION_STATUS_READY);
      assert.equal(v.createdBy, 'alice');
      assert.deepEqual(v.tags, { stage: 'dev' });
      assert.deepEqual(v.metrics, { accuracy: 0.96 });
      assert.deepEqual(v.lineage?.dataset, { name: 'iris', snapshot: 3 });
      const [artifact] = v.artifacts;
      assert.ok(artifact);
      assert.equal(artifact.precision, common.Precision.PRECISION_FP32, 'precision defaults to FP32');
      assert.equal(artifact.format, 'onnx');
      assert.equal(artifact.sha256, sha256(bytes));
      assert.equal(artifact.sizeBytes, bytes.byteLength);
      assert.deepEqual(artifact.signature?.inputs, [
        { name: 'features', datatype: common.DataType.DATA_TYPE_FP32, shape: [-1, 4], dimNames: ['batch', ''] },
      ]);
      assert.equal(artifact.signature?.outputs[0]?.name, 'probabilities');
      assert.equal(artifact.uri, `l1g1://blobs/sha256/${sha256(bytes)}`);
      assert.deepEqual(readFileSync(blobPath(artifact.sha256)), Buffer.from(bytes), 'the blob holds exactly the bytes');
      const json = JSON.stringify(registry.ModelVersion.toJSON(v));
      assert.ok(!json.includes(t.config.dataDir), `no host path in the answer: ${json}`);
      assert.ok(!json.includes('file:'), 'no file: URI in the answer');
      const model = await unary(t.client.getModel.bind(t.client), { name });
      assert.equal(model.latestVersion, 1);
    });

    it('numbers versions 1, 2, 3 and never reuses a deleted number', async () => {
      const name = uniqueName('seq');
      const v1 = await uploadVersion(t.client, name, tinyModel(1));
      const v2 = await uploadVersion(t.client, name, tinyModel(2));
      await unary(t.client.deleteVersion.bind(t.client), { modelName: name, version: 2 });

      const v3 = await uploadVersion(t.client, name, tinyModel(3));

      assert.deepEqual([v1.version, v2.version, v3.version], [1, 2, 3]);
    });

    it('gives concurrent uploads to one model distinct versions', async () => {
      const name = uniqueName('concurrent');
      await uploadVersion(t.client, name, tinyModel(100));

      const versions = await Promise.all(
        [101, 102, 103, 104, 105, 106].map((seed) => uploadVersion(t.client, name, tinyModel(seed))),
      );

      assert.deepEqual(
        versions.map((v) => v.version).sort((a, b) => a - b),
        [2, 3, 4, 5, 6, 7],
      );
    });

    it('refuses an upload to a missing model unless create_model is set', async () => {
      const name = uniqueName('absent');

      await rejectsWith(uploadVersion(t.client, name, buildDemoClassifier(), { createModel: false }), {
        kind: 'NOT_FOUND',
        reason: 'MODEL_NOT_FOUND',
        message: /create_model/,
      });
    });

    it('refuses a non-ONNX artifact with INVALID_ARGUMENT and stores nothing', async () => {
      const name = uniqueName('notonnx');
      const bytes = Buffer.from('this is a CSV file, not a model\n1,2,3\n'.repeat(50));
      const blobsBefore = blobFiles(t.config).length;

      await rejectsWith(uploadVersion(t.client, name, bytes), {
        kind: 'INVALID_ARGUMENT',
        reason: 'INVALID_ONNX',
        message: /not a valid ONNX model/,
      });

      await assertNothingStored(bytes, blobsBefore);
      await rejectsWith(unary(t.client.getModel.bind(t.client), { name }), { kind: 'NOT_FOUND' });
    });

    it('refuses a checksum mismatch, naming header.expected_sha256, and stores nothing', async () => {
      const bytes = tinyModel(7);
      const blobsBefore = blobFiles(t.config).length;

      await rejectsWith(uploadVersion(t.client, uniqueName('sha'), bytes, { expectedSha256: 'ab'.repeat(32) }), {
        kind: 'INVALID_ARGUMENT',
        field: 'header.expected_sha256',
        reason: 'CHECKSUM_MISMATCH',
      });
      await rejectsWith(uploadVersion(t.client, uniqueName('sha'), bytes, { expectedSha256: 'xyz' }), {
        kind: 'INVALID_ARGUMENT',
        field: 'header.expected_sha256',
      });

      await assertNothingStored(bytes, blobsBefore);
    });

    it('refuses a size mismatch (an upload cut short) and stores nothing', async () => {
      const bytes = tinyModel(8);
      const blobsBefore = blobFiles(t.config).length;

      await rejectsWith(
        uploadVersion(t.client, uniqueName('size'), bytes, { expectedSizeBytes: bytes.byteLength + 10 }),
        {
          kind: 'INVALID_ARGUMENT',
          field: 'header.expected_size_bytes',
          reason: 'SIZE_MISMATCH',
        },
      );

      await assertNothingStored(bytes, blobsBefore);
    });

    it('refuses an artifact over the size limit, announced or streamed, and stores nothing', async () => {
      const big = buildMlp({ inputSize: 256, hiddenSizes: [256], outputSize: 4 });
      assert.ok(big.byteLength > MAX_ARTIFACT_BYTES);
      const blobsBefore = blobFiles(t.config).length;

      await rejectsWith(uploadVersion(t.client, uniqueName('big'), big), {
        kind: 'INVALID_ARGUMENT',
        field: 'chunk',
        reason: 'ARTIFACT_TOO_LARGE',
        message: new RegExp(`size limit of ${MAX_ARTIFACT_BYTES} bytes`),
      });
      await rejectsWith(uploadVersion(t.client, uniqueName('big'), big, { expectedSizeBytes: big.byteLength }), {
        kind: 'INVALID_ARGUMENT',
        field: 'header.expected_size_bytes',
        reason: 'ARTIFACT_TOO_LARGE',
      });

      await assertNothingStored(big, blobsBefore);
    });

    it('requires the header first, exactly once, and a version of 0', async () => {
      const bytes = buildDemoClassifier();
      const header = headerMessage({ modelName: uniqueName('hdr'), createModel: true });

      await rejectsWith(upload(t.client, chunkMessages(bytes)), {
        kind: 'INVALID_ARGUMENT',
        field: 'header',
        reason: 'HEADER_REQUIRED',
      });
      await rejectsWith(upload(t.client, []), { kind: 'INVALID_ARGUMENT', field: 'header', message: /empty/ });
      await rejectsWith(upload(t.client, [header, header, ...chunkMessages(bytes)]), {
        kind: 'INVALID_ARGUMENT',
        field: 'header',
        message: /only the first message/,
      });
      await rejectsWith(upload(t.client, [header]), { kind: 'INVALID_ARGUMENT', field: 'chunk', message: /empty/ });
      await rejectsWith(upload(t.client, [headerMessage({ modelName: 'x', version: 4 }), ...chunkMessages(bytes)]), {
        kind: 'INVALID_ARGUMENT',
        field: 'header.version',
        message: /AddVariant/,
      });
      await rejectsWith(upload(t.client, [headerMessage({ modelName: 'Bad Name' }), ...chunkMessages(bytes)]), {
        kind: 'INVALID_ARGUMENT',
        field: 'header.model_name',
      });
      await rejectsWith(
        upload(t.client, [headerMessage({ modelName: 'x', format: 'pickle' }), ...chunkMessages(bytes)]),
        {
          kind: 'INVALID_ARGUMENT',
          field: 'header.format',
          reason: 'UNSUPPORTED_FORMAT',
        },
      );
      await rejectsWith(
        upload(t.client, [
          headerMessage({ modelName: 'x', precision: 9 as common.Precision }),
          ...chunkMessages(bytes),
        ]),
        {
          kind: 'INVALID_ARGUMENT',
          field: 'header.precision',
        },
      );
    });

    it('leaves no version, no model and no blob when the client cancels mid-upload', async () => {
      const name = uniqueName('cut');
      const bytes = tinyModel(55);
      const blobsBefore = blobFiles(t.config).length;
      let outcome: unknown;
      const finished = new Promise<void>((resolve) => {
        const call = t.client.createVersion(metadataWithActor('cutter'), (err, res) => {
          outcome = err ? asL1g1Error(err) : res;
          resolve();
        });
        call.write(headerMessage({ modelName: name, createModel: true }));
        for (const m of chunkMessages(bytes, 100).slice(0, 1)) call.write(m);
        // Cancel once the server has an upload in progress (its temp file exists).
        void eventually(() => tmpFiles(t.config).length > 0, 'the server starts writing').then(() => call.cancel());
      });

      await finished;

      assert.equal((outcome as { kind?: string }).kind, 'CANCELLED');
      await assertNothingStored(bytes, blobsBefore);
      await rejectsWith(unary(t.client.getModel.bind(t.client), { name }), { kind: 'NOT_FOUND' });
    });

    it('deletes the committed blob when the metadata transaction fails (model deleted mid-upload)', async () => {
      const name = uniqueName('race');
      await unary(t.client.createModel.bind(t.client), { name, description: '', task: '', tags: {} });
      const bytes = tinyModel(77);
      const blobsBefore = blobFiles(t.config).length;
      let outcome: unknown;
      const finished = new Promise<void>((resolve) => {
        const call = t.client.createVersion(metadataWithActor('racer'), (err, res) => {
          outcome = err ? asL1g1Error(err) : res;
          resolve();
        });
        call.write(headerMessage({ modelName: name }));
        // The header passed the "model exists" check once the temp file appears;
        // delete the model, then let the upload complete.
        void eventually(() => tmpFiles(t.config).length > 0, 'the server starts writing')
          .then(() => unary(t.client.deleteModel.bind(t.client), { name }))
          .then(() => {
            for (const m of chunkMessages(bytes)) call.write(m);
            call.end();
          });
      });

      await finished;

      assert.equal((outcome as { kind?: string }).kind, 'NOT_FOUND');
      assert.equal((outcome as { reason?: string }).reason, 'MODEL_NOT_FOUND');
      await assertNothingStored(bytes, blobsBefore);
    });

    it('records lineage with the parent resolved to a version number; an unknown parent is refused', async () => {
      const parentName = uniqueName('parent');
      await uploadVersion(t.client, parentName, tinyModel(200));
      await unary(t.client.setAlias.bind(t.client), { modelName: parentName, alias: 'production', version: 1 });
      const lineage = (parent: common.ModelRef): registry.Lineage => ({
        dataset: undefined,
        trainingJobId: '',
        parent,
        codeVersion: '',
        params: {},
      });

      const child = await uploadVersion(t.client, uniqueName('child'), tinyModel(201), {
        lineage: lineage({ name: parentName, selector: undefined }),
      });

      assert.deepEqual(child.lineage?.parent, { name: parentName, selector: { $case: 'version', value: 1 } });
      await rejectsWith(
        uploadVersion(t.client, uniqueName('orphan'), tinyModel(202), {
          lineage: lineage({ name: parentName, selector: { $case: 'version', value: 9 } }),
        }),
        { kind: 'INVALID_ARGUMENT', field: 'header.lineage.parent', message: /version 9 of model/ },
      );
    });
  });

  describe('AddVariant', () => {
    it('adds an FP16 variant to an existing version', async () => {
      const name = uniqueName('variant');
      await uploadVersion(t.client, name, tinyModel(300));
      const fp16 = tinyModel(300, 'fp16');

      const v = await upload(
        t.client,
        [
          headerMessage({ modelName: name, version: 1, precision: common.Precision.PRECISION_FP16 }),
          ...chunkMessages(fp16),
        ],
        { method: 'addVariant' },
      );

      assert.deepEqual(
        v.artifacts.map((a) => [a.precision, a.sha256]),
        [
          [common.Precision.PRECISION_FP32, v.artifacts[0]?.sha256],
          [common.Precision.PRECISION_FP16, sha256(fp16)],
        ],
      );
    });

    it('refuses a repeated precision, a missing version, and a signature with other tensor names', async () => {
      const name = uniqueName('variant-bad');
      await uploadVersion(t.client, name, tinyModel(310));
      const variant = (version: number, precision: common.Precision, bytes: Uint8Array) =>
        upload(t.client, [headerMessage({ modelName: name, version, precision }), ...chunkMessages(bytes)], {
          method: 'addVariant',
        });
      const blobsBefore = blobFiles(t.config).length;
      const otherNames = buildMlp({
        inputSize: 4,
        hiddenSizes: [8],
        outputSize: 3,
        inputName: 'x',
        outputName: 'y',
        precision: 'int8',
      });

      await rejectsWith(variant(1, common.Precision.PRECISION_UNSPECIFIED, tinyModel(311)), {
        kind: 'ALREADY_EXISTS',
        message: /FP32 artifact of version 1/,
      });
      await rejectsWith(variant(2, common.Precision.PRECISION_INT8, tinyModel(321, 'int8')), {
        kind: 'NOT_FOUND',
        reason: 'VERSION_NOT_FOUND',
        message: new RegExp(`version 2 of model "${name}" not found`),
      });
      await rejectsWith(variant(1, common.Precision.PRECISION_INT8, otherNames), {
        kind: 'INVALID_ARGUMENT',
        reason: 'SIGNATURE_MISMATCH',
        message: /same names/,
      });
      await rejectsWith(variant(0, common.Precision.PRECISION_INT8, otherNames), {
        kind: 'INVALID_ARGUMENT',
        field: 'header.version',
      });

      await assertNothingStored(otherNames, blobsBefore);
    });
  });

  describe('reading versions', () => {
    it('resolves by version, by alias, and by default the production alias, with precise NOT_FOUNDs', async () => {
      const name = uniqueName('resolve');
      await uploadVersion(t.client, name, tinyModel(400));
      await uploadVersion(t.client, name, tinyModel(401));
      const resolve = (selector: common.ModelRef['selector'], model = name) =>
        unary(t.client.resolveModel.bind(t.client), { name: model, selector });

      await rejectsWith(resolve(undefined), {
        kind: 'NOT_FOUND',
        reason: 'ALIAS_NOT_FOUND',
        message: new RegExp(`alias "production" of model "${name}" not found`),
      });
      await unary(t.client.setAlias.bind(t.client), { modelName: name, alias: 'production', version: 2 });
      await unary(t.client.setAlias.bind(t.client), { modelName: name, alias: 'canary', version: 1 });

      assert.equal((await resolve(undefined)).version, 2);
      assert.equal((await resolve({ $case: 'alias', value: 'canary' })).version, 1);
      assert.equal((await resolve({ $case: 'version', value: 1 })).version, 1);
      assert.deepEqual((await resolve({ $case: 'version', value: 2 })).aliases, ['production']);
      await rejectsWith(resolve({ $case: 'version', value: 7 }), {
        kind: 'NOT_FOUND',
        reason: 'VERSION_NOT_FOUND',
        message: new RegExp(`version 7 of model "${name}" not found`),
      });
      await rejectsWith(resolve({ $case: 'alias', value: 'staging' }), {
        kind: 'NOT_FOUND',
        reason: 'ALIAS_NOT_FOUND',
      });
      await rejectsWith(resolve(undefined, 'no-such-model'), {
        kind: 'NOT_FOUND',
        reason: 'MODEL_NOT_FOUND',
        message: /model "no-such-model" not found/,
      });
      await rejectsWith(resolve({ $case: 'version', value: 0 }), { kind: 'INVALID_ARGUMENT', field: 'version' });
    });

    it('downloads an artifact: info first, then chunks of chunk_size that reassemble the bytes', async () => {
      const name = uniqueName('download');
      const bytes = tinyModel(500);
      await uploadVersion(t.client, name, bytes);

      const messages = await readAll<registry.DownloadArtifactResponse>(
        t.client.downloadArtifact({ modelName: name, version: 1, precision: 0, chunkSize: 100 }),
      );

      const [first, ...rest] = messages;
      assert.equal(first?.payload?.$case, 'info');
      assert.equal(first?.payload?.$case === 'info' ? first.payload.value.sha256 : '', sha256(bytes));
      const chunks = rest.map((m) =>
        m.payload?.$case === 'chunk' ? m.payload.value : assert.fail('expected a chunk'),
      );
      assert.equal(chunks.length, Math.ceil(bytes.byteLength / 100));
      assert.ok(chunks.every((c) => c.byteLength <= 100));
      assert.deepEqual(Buffer.concat(chunks), Buffer.from(bytes));
    });

    it('refuses downloads of a missing precision or with a bad chunk size', async () => {
      const name = uniqueName('download-bad');
      await uploadVersion(t.client, name, tinyModel(501));
      const download = (req: Partial<registry.DownloadArtifactRequest>) =>
        readAll(
          t.client.downloadArtifact(
            registry.DownloadArtifactRequest.fromPartial({ modelName: name, version: 1, ...req }),
          ),
        );

      await rejectsWith(download({ precision: common.Precision.PRECISION_INT8 }), {
        kind: 'NOT_FOUND',
        message: /INT8 artifact of version 1 .*available: FP32/,
      });
      await rejectsWith(download({ chunkSize: 8 * 1024 * 1024 }), { kind: 'INVALID_ARGUMENT', field: 'chunk_size' });
      await rejectsWith(download({ version: 3 }), { kind: 'NOT_FOUND', reason: 'VERSION_NOT_FOUND' });
    });

    it('lists versions in pages, filtered by tags, dataset and archive status', async () => {
      const name = uniqueName('list');
      for (let i = 0; i < 5; i++) {
        await uploadVersion(t.client, name, tinyModel(600 + i), {
          tags: { even: String(i % 2 === 0) },
          lineage: {
            dataset: { name: i < 3 ? 'iris' : 'wine', snapshot: i },
            trainingJobId: '',
            parent: undefined,
            codeVersion: '',
            params: {},
          },
        });
      }
      await unary(t.client.archiveVersion.bind(t.client), { modelName: name, version: 1 });
      const list = (req: Partial<registry.ListVersionsRequest>) =>
        unary(
          t.client.listVersions.bind(t.client),
          registry.ListVersionsRequest.fromPartial({ modelName: name, ...req }),
        );

      const seen: number[] = [];
      let token = '';
      do {
        const res = await list({ includeArchived: true, page: { pageSize: 2, pageToken: token } });
        seen.push(...res.versions.map((v) => v.version));
        token = res.page?.nextPageToken ?? '';
      } while (token !== '');

      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      assert.deepEqual(
        (await list({})).versions.map((v) => v.version),
        [2, 3, 4, 5],
        'archived versions are hidden by default',
      );
      assert.deepEqual(
        (await list({ tags: { even: 'true' } })).versions.map((v) => v.version),
        [3, 5],
      );
      assert.deepEqual(
        (await list({ dataset: { name: 'iris', snapshot: 0 } })).versions.map((v) => v.version),
        [2, 3],
      );
      assert.deepEqual(
        (await list({ dataset: { name: 'wine', snapshot: 4 } })).versions.map((v) => v.version),
        [5],
      );
      await rejectsWith(list({ page: { pageSize: 2, pageToken: 'garbage' } }), {
        kind: 'INVALID_ARGUMENT',
        field: 'page.page_token',
      });
      await rejectsWith(
        unary(t.client.listVersions.bind(t.client), registry.ListVersionsRequest.fromPartial({ modelName: 'nope' })),
        {
          kind: 'NOT_FOUND',
          reason: 'MODEL_NOT_FOUND',
        },
      );
    });

    it('updates a version: description, merged tags and metrics', async () => {
      const name = uniqueName('update');
      await uploadVersion(t.client, name, tinyModel(700), { tags: { a: '1', b: '2' }, metrics: { f1: 0.5 } });

      const v = await unary(t.client.updateVersion.bind(t.client), {
        modelName: name,
        version: 1,
        description: 'tuned',
        tags: { a: '', c: '3' },
        metrics: { f1: 0.9, auc: 0.95 },
      });

      assert.equal(v.description, 'tuned');
      assert.deepEqual(v.tags, { b: '2', c: '3' });
      assert.deepEqual(v.metrics, { f1: 0.9, auc: 0.95 });
      await rejectsWith(
        unary(t.client.updateVersion.bind(t.client), {
          modelName: name,
          version: 1,
          tags: {},
          metrics: { bad: Number.NaN },
        }),
        { kind: 'INVALID_ARGUMENT', field: 'metrics["bad"]' },
      );
    });
  });

  describe('archive and delete', () => {
    it('refuses an alias on an archived version with FAILED_PRECONDITION', async () => {
      const name = uniqueName('archived');
      await uploadVersion(t.client, name, tinyModel(800));

      const archived = await unary(t.client.archiveVersion.bind(t.client), { modelName: name, version: 1 });

      assert.equal(archived.status, registry.VersionStatus.VERSION_STATUS_ARCHIVED);
      await rejectsWith(unary(t.client.setAlias.bind(t.client), { modelName: name, alias: 'production', version: 1 }), {
        kind: 'FAILED_PRECONDITION',
        reason: 'VERSION_ARCHIVED',
        message: /archived/,
      });
      const download = await readAll(
        t.client.downloadArtifact({ modelName: name, version: 1, precision: 0, chunkSize: 0 }),
      );
      assert.equal(download.length, 2, 'archived versions stay downloadable (info + one chunk)');
    });

    it('refuses to delete or archive a version an alias points at, naming the alias', async () => {
      const name = uniqueName('aliased');
      await uploadVersion(t.client, name, tinyModel(810));
      await unary(t.client.setAlias.bind(t.client), { modelName: name, alias: 'production', version: 1 });

      await rejectsWith(unary(t.client.deleteVersion.bind(t.client), { modelName: name, version: 1 }), {
        kind: 'FAILED_PRECONDITION',
        reason: 'VERSION_HAS_ALIASES',
        message: /alias "production" points at it/,
      });
      await rejectsWith(unary(t.client.archiveVersion.bind(t.client), { modelName: name, version: 1 }), {
        kind: 'FAILED_PRECONDITION',
        message: /"production"/,
      });
      assert.equal((await unary(t.client.getVersion.bind(t.client), { modelName: name, version: 1 })).version, 1);
    });

    it('deletes a blob only when no artifact references it any more', async () => {
      const bytes = tinyModel(820);
      const a = await uploadVersion(t.client, uniqueName('shared'), bytes);
      const b = await uploadVersion(t.client, uniqueName('shared'), bytes);
      const path = blobPath(a.artifacts[0]?.sha256 ?? '');
      assert.equal(a.artifacts[0]?.uri, b.artifacts[0]?.uri, 'identical bytes share one blob');

      await unary(t.client.deleteVersion.bind(t.client), { modelName: a.modelName, version: 1 });
      assert.ok(existsSync(path), 'still referenced by the other model');
      await unary(t.client.deleteVersion.bind(t.client), { modelName: b.modelName, version: 1 });

      assert.ok(!existsSync(path), 'deleted with its last reference');
      await rejectsWith(unary(t.client.getVersion.bind(t.client), { modelName: b.modelName, version: 1 }), {
        kind: 'NOT_FOUND',
        reason: 'VERSION_NOT_FOUND',
      });
    });
  });
});
