/**
 * Artifacts are checked at upload, over gRPC as a client sees it: external
 * data anywhere, graphs onnxruntime cannot load, absurd dimensions and
 * variants that do not match their version are refused, and nothing of a
 * refused upload is stored.
 */
import { strict as assert } from 'node:assert';
import { common } from '@l1g1/contracts';
import { metadataWithActor, unary } from '@l1g1/kit';
import {
  blobFiles,
  chunkMessages,
  eventually,
  headerMessage,
  rejectsWith,
  startTestRegistry,
  tinyModel,
  tmpFiles,
  uniqueName,
  upload,
  uploadVersion,
  type TestRegistry,
} from './helpers';
import {
  absurdDimModel,
  danglingInputModel,
  externalDataModel,
  int64InputModel,
  subgraphExternalDataModel,
  unknownOpModel,
  widthModel,
} from './onnx-fixtures';

describe('model-registry: safe artifacts', () => {
  let t: TestRegistry;

  before(async () => {
    t = await startTestRegistry({ L1G1_REGISTRY_MAX_CONCURRENT_UPLOADS: '1' });
  });

  after(async () => {
    await t.close();
  });

  /** Uploads `bytes` as a new model and expects a refusal naming what was wrong; checks nothing was kept. */
  async function refusedAtUpload(bytes: Uint8Array, message: RegExp, reason = 'INVALID_ONNX'): Promise<void> {
    const name = uniqueName('unsafe');
    const blobsBefore = blobFiles(t.config).length;
    const err = await rejectsWith(uploadVersion(t.client, name, bytes), { kind: 'INVALID_ARGUMENT', reason, message });
    assert.ok(!err.message.includes(t.config.dataDir), `no host path in: ${err.message}`);
    assert.ok(!/\/tmp\/|\.part\b/.test(err.message), `no temp path in: ${err.message}`);
    await eventually(() => tmpFiles(t.config).length === 0, 'the upload temp file is removed');
    assert.equal(blobFiles(t.config).length, blobsBefore, 'no blob was committed');
    await rejectsWith(unary(t.client.getModel.bind(t.client), { name }), { kind: 'NOT_FOUND' });
  }

  it('refuses an initializer whose external data names a sibling file (another model\'s blob); nothing is stored', async () => {
    const victim = await uploadVersion(t.client, uniqueName('victim'), tinyModel(900));
    const sha = victim.artifacts[0]?.sha256 ?? '';
    // Relative to the upload's temp file, or to the inference cache: the
    // bytes of another model, which were served as this model's weights.
    for (const sibling of [sha, `${sha}.onnx`, `../sha256/${sha.slice(0, 2)}/${sha}`]) {
      await refusedAtUpload(
        externalDataModel(sibling),
        /tensor 'w' in graph 'main' > initializer stores its data outside the model file/,
      );
    }
  });

  it('refuses absolute and parent-directory external data locations', async () => {
    for (const location of ['/etc/passwd', '../../../registry/registry.db', '..\\..\\secret.bin']) {
      await refusedAtUpload(externalDataModel(location), /stores its data outside the model file/);
    }
  });

  it('refuses external data inside a subgraph (an If branch nested in another If)', async () => {
    await refusedAtUpload(
      subgraphExternalDataModel('weights.bin'),
      /tensor 'hidden' in graph 'main' > node 'outer_if' \(If\) > attribute 'then_branch' > graph 'outer_then' > node 'inner_if' \(If\) > attribute 'then_branch' > graph 'inner_then' > initializer/,
    );
  });

  it('refuses at upload a graph with an unknown op, a dangling input, or an absurd dimension', async () => {
    await refusedAtUpload(unknownOpModel(), /onnxruntime cannot load the model.*NoSuchOp/s);
    await refusedAtUpload(danglingInputModel(), /onnxruntime cannot load the model.*ghost/s);
    await refusedAtUpload(absurdDimModel(), /input 'features' dimension 1 is 9007199254740991/);
  });

  describe('variants', () => {
    const addVariant = (modelName: string, precision: common.Precision, bytes: Uint8Array) =>
      upload(t.client, [headerMessage({ modelName, version: 1, precision }), ...chunkMessages(bytes)], {
        method: 'addVariant',
      });

    it('refuses a variant whose signature differs from its version\'s, naming the tensor and both shapes', async () => {
      const name = uniqueName('variant-sig');
      await uploadVersion(t.client, name, widthModel(4));
      const blobsBefore = blobFiles(t.config).length;

      await rejectsWith(addVariant(name, common.Precision.PRECISION_FP16, widthModel(5)), {
        kind: 'INVALID_ARGUMENT',
        reason: 'SIGNATURE_MISMATCH',
        message: /input 'features' has shape \[-1, 5\] in the variant but \[-1, 4\] in version 1/,
      });
      await rejectsWith(addVariant(name, common.Precision.PRECISION_INT8, int64InputModel()), {
        kind: 'INVALID_ARGUMENT',
        reason: 'SIGNATURE_MISMATCH',
        message: /input 'features' is INT64 in the variant but FP32 in version 1/,
      });
      // The case found in review: [-1, 2^53-1] where the version has [-1, 4].
      await rejectsWith(addVariant(name, common.Precision.PRECISION_FP16, absurdDimModel()), {
        kind: 'INVALID_ARGUMENT',
        message: /9007199254740991/,
      });

      assert.equal(blobFiles(t.config).length, blobsBefore, 'no variant blob was committed');
      const v1 = await unary(t.client.getVersion.bind(t.client), { modelName: name, version: 1 });
      assert.deepEqual(
        v1.artifacts.map((a) => a.precision),
        [common.Precision.PRECISION_FP32],
      );
    });

    it('accepts a variant with the same signature', async () => {
      const name = uniqueName('variant-ok');
      await uploadVersion(t.client, name, tinyModel(901));

      const v1 = await addVariant(name, common.Precision.PRECISION_FP16, tinyModel(902, 'fp16'));

      assert.deepEqual(
        v1.artifacts.map((a) => a.precision),
        [common.Precision.PRECISION_FP32, common.Precision.PRECISION_FP16],
      );
    });
  });

  it('refuses uploads beyond L1G1_REGISTRY_MAX_CONCURRENT_UPLOADS with RESOURCE_EXHAUSTED, and frees the slot after', async () => {
    const name = uniqueName('busy');
    const first = t.client.createVersion(metadataWithActor('slow-client'), () => undefined);
    first.write(headerMessage({ modelName: name, createModel: true }));
    for (const m of chunkMessages(tinyModel(903), 64).slice(0, 1)) first.write(m);
    // The first upload is receiving (its temp file exists) and stays open.
    await eventually(() => tmpFiles(t.config).length > 0, 'the first upload is in progress');

    const err = await rejectsWith(uploadVersion(t.client, uniqueName('busy'), tinyModel(904)), {
      kind: 'RESOURCE_EXHAUSTED',
      reason: 'TOO_MANY_UPLOADS',
    });
    assert.ok(err.retryAfterMs > 0, 'says when to retry');

    first.cancel();
    await eventually(() => tmpFiles(t.config).length === 0, 'the cancelled upload is discarded');
    const v = await uploadVersion(t.client, uniqueName('busy'), tinyModel(905));
    assert.equal(v.version, 1, 'the slot was released');
  });
});
