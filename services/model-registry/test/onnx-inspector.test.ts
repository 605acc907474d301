import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger, L1g1Error } from '@l1g1/kit';
import { createOnnxInspector, scrubHostPaths } from '../src/adapters/onnx-inspector';
import { tinyModel } from './helpers';
import { unknownOpModel } from './onnx-fixtures';

describe('model-registry: ONNX inspector (child process)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-inspector-'));
  });
  after(() => {
    inspector.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, bytes: Uint8Array): { localPath: string; sizeBytes: number } => {
    const localPath = join(dir, name);
    writeFileSync(localPath, bytes);
    return { localPath, sizeBytes: bytes.byteLength };
  };
  const inspector = createOnnxInspector({ timeoutMs: 30_000, logger: createSilentLogger() });
  const live = (): AbortSignal => new AbortController().signal;

  async function refused(promise: Promise<unknown>, reason: string): Promise<L1g1Error> {
    try {
      await promise;
    } catch (err: unknown) {
      assert.ok(err instanceof L1g1Error, String(err));
      assert.equal(err.reason, reason, err.message);
      assert.ok(!err.message.includes(dir), `no host path in: ${err.message}`);
      return err;
    }
    return assert.fail('expected a refusal');
  }

  it('reads the signature of a model onnxruntime loads', async () => {
    const { signature } = await inspector.inspect('onnx', file('ok.onnx', tinyModel(1)), live());

    assert.deepEqual(signature, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4], dimNames: ['batch', ''] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3], dimNames: ['batch', ''] }],
    });
  });

  it('refuses bytes that are not ONNX, and a graph onnxruntime cannot load, without host paths', async () => {
    const notOnnx = await refused(
      inspector.inspect('onnx', file('text.onnx', Buffer.from('definitely not a protobuf model')), live()),
      'INVALID_ONNX',
    );
    assert.equal(notOnnx.kind, 'INVALID_ARGUMENT');
    assert.match(notOnnx.message, /not a valid ONNX model/);
    const unknownOp = await refused(inspector.inspect('onnx', file('op.onnx', unknownOpModel()), live()), 'INVALID_ONNX');
    assert.match(unknownOp.message, /onnxruntime cannot load the model/);
    assert.match(unknownOp.message, /NoSuchOp/);
  });

  it('kills the check and refuses the upload when it takes longer than the timeout', async () => {
    const hasty = createOnnxInspector({ timeoutMs: 1, logger: createSilentLogger() });
    const err = await refused(hasty.inspect('onnx', file('slow.onnx', tinyModel(2)), live()), 'VALIDATION_TIMEOUT');
    hasty.close();
    assert.equal(err.kind, 'INVALID_ARGUMENT');
  });

  it('stops the check when the upload is cancelled', async () => {
    const controller = new AbortController();
    const pending = inspector.inspect('onnx', file('cancel.onnx', tinyModel(3)), controller.signal);
    controller.abort();
    const err = await refused(pending, 'CANCELLED');
    assert.equal(err.kind, 'CANCELLED');
  });

  it('scrubs the artifact path and any other absolute path out of runtime messages', () => {
    const scrubbed = scrubHostPaths(
      'Load model from /data/l1g1/registry/blobs/tmp/abc.part failed: see /opt/onnxruntime/core/graph.cc:42',
      '/data/l1g1/registry/blobs/tmp/abc.part',
    );
    assert.equal(scrubbed, 'Load model from <artifact> failed: see <path>:42');
  });
});
