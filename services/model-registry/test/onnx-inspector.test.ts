import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { createOnnxInspector } from '../src/adapters/onnx-inspector';
import { tinyModel } from './helpers';

describe('model-registry: ONNX inspector', () => {
  // inlineMaxBytes 0 sends every artifact through the worker thread, the path
  // large uploads take.
  const inWorker = createOnnxInspector({ inlineMaxBytes: 0 });

  it('reads the signature in a worker thread', async () => {
    const bytes = Buffer.from(tinyModel(1));

    const { signature } = await inWorker.inspect('onnx', bytes);

    assert.deepEqual(signature, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4], dimNames: ['batch', ''] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3], dimNames: ['batch', ''] }],
    });
  });

  it('refuses bytes that are not ONNX with INVALID_ARGUMENT, in the worker and in place', async () => {
    for (const inspector of [inWorker, createOnnxInspector()]) {
      await assert.rejects(
        inspector.inspect('onnx', Buffer.from('definitely not a protobuf model')),
        (err: unknown) => {
          assert.ok(err instanceof L1g1Error);
          assert.equal(err.kind, 'INVALID_ARGUMENT');
          assert.equal(err.reason, 'INVALID_ONNX');
          assert.match(err.message, /not a valid ONNX model/);
          return true;
        },
      );
    }
  });
});
