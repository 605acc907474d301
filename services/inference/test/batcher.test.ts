import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { L1g1Error } from '@l1g1/kit';
import { buildMlpWithWeights } from '@l1g1/onnx';
import { DynamicBatcher } from '../src/domain/batcher';
import { createOrtRunner, type OrtRunner } from '../src/adapters/ort-runner';
import type { RawTensor, Signature } from '../src/domain/types';

const signature: Signature = {
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 16] }],
  outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 4] }],
};

function row(seed: number, rows = 1): RawTensor {
  const data = new Float32Array(16 * rows).map((_, i) => Math.sin(seed * 31 + i));
  return { name: 'input', datatype: 'FP32', shape: [rows, 16], data: Buffer.from(data.buffer) };
}

/** y = x + w, where w (8 floats) is external data at `location`. */
function externalDataModel(location: string): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'external',
      node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
      initializer: [
        {
          name: 'w',
          dataType: onnx.TensorProto.DataType.FLOAT,
          dims: [8],
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [
            { key: 'location', value: location },
            { key: 'offset', value: '0' },
            { key: 'length', value: '32' },
          ],
        },
      ],
      input: [{ name: 'x', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 8 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 8 }] } } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

describe('inference: dynamic batcher on real onnxruntime workers', function () {
  let dir: string;
  let bytes: Uint8Array;
  let runner: OrtRunner;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-batcher-'));
    bytes = buildMlpWithWeights({ inputSize: 16, hiddenSizes: [32], outputSize: 4, seed: 3 }).bytes;
    runner = await createOrtRunner(bytes, { workers: 1, intraOpNumThreads: 1 });
  });

  after(async () => {
    await runner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stacks concurrent requests into batches and returns each its own rows, equal to a direct ORT run', async () => {
    // A delay far longer than the test: batches leave only when full (8 rows), however slow the machine.
    const batcher = new DynamicBatcher(runner, signature, { enabled: true, maxBatchSize: 8, maxQueueDelayUs: 60_000_000, maxQueueSize: 100 });
    const inputs = Array.from({ length: 16 }, (_, i) => row(i));
    const results = await Promise.all(inputs.map((t) => batcher.submit([t], ['output'])));
    const session = await ort.InferenceSession.create(Buffer.from(bytes));
    for (const [i, r] of results.entries()) {
      const expected = (await session.run({ input: new ort.Tensor('float32', new Float32Array(inputs[i]!.data.buffer.slice(inputs[i]!.data.byteOffset, inputs[i]!.data.byteOffset + inputs[i]!.data.byteLength)), [1, 16]) })).output!.data as Float32Array;
      const got = new Float32Array(r.outputs[0]!.data.buffer.slice(r.outputs[0]!.data.byteOffset, r.outputs[0]!.data.byteOffset + r.outputs[0]!.data.byteLength));
      assert.deepEqual(r.outputs[0]!.shape, [1, 4]);
      assert.deepEqual([...got], [...expected]);
    }
    assert.ok(results.every((r) => r.timing.batchSize === 8), `batch sizes: ${results.map((r) => r.timing.batchSize).join(',')}`);
    assert.equal(batcher.stats.batches, 2);
    await session.release();
  });

  it('keeps multi-row requests whole and never exceeds the max batch size', async () => {
    const batcher = new DynamicBatcher(runner, signature, { enabled: true, maxBatchSize: 8, maxQueueDelayUs: 5_000, maxQueueSize: 100 });
    const results = await Promise.all([row(1, 5), row(2, 5), row(3, 3)].map((t) => batcher.submit([t], ['output'])));
    assert.deepEqual(results.map((r) => r.outputs[0]!.shape[0]), [5, 5, 3]);
    assert.ok(results.every((r) => r.timing.batchSize <= 8));
  });

  it('with batching off, runs every request on its own', async () => {
    const batcher = new DynamicBatcher(runner, signature, { enabled: false, maxBatchSize: 8, maxQueueDelayUs: 5_000, maxQueueSize: 100 });
    const results = await Promise.all([1, 2, 3, 4].map((i) => batcher.submit([row(i)], ['output'])));
    assert.ok(results.every((r) => r.timing.batchSize === 1));
    assert.equal(batcher.stats.batches, 4);
  });

  it('refuses requests beyond the queue bound with RESOURCE_EXHAUSTED and a retry hint', async () => {
    const batcher = new DynamicBatcher(runner, signature, { enabled: true, maxBatchSize: 64, maxQueueDelayUs: 50_000, maxQueueSize: 4 });
    const admitted = [1, 2, 3, 4].map((i) => batcher.submit([row(i)], ['output']));
    assert.throws(
      () => batcher.submit([row(5)], ['output']),
      (err: unknown) => err instanceof L1g1Error && err.kind === 'RESOURCE_EXHAUSTED' && err.retryAfterMs > 0 && /queue is full/.test(err.message),
    );
    await Promise.all(admitted);
    assert.equal(batcher.stats.rejected, 1);
  });

  it('refuses a request whose estimated wait exceeds the bound, so admitted ones keep their latency', async () => {
    // One row per batch, one worker, and no measurement yet (1 ms per batch assumed):
    // the 4th request would wait ~3 batches = 3 ms, over the 2.5 ms bound.
    const batcher = new DynamicBatcher(runner, signature, { enabled: true, maxBatchSize: 1, maxQueueDelayUs: 0, maxQueueSize: 100, maxQueueWaitUs: 2500 });
    const admitted = [1, 2, 3].map((i) => batcher.submit([row(i)], ['output']));
    assert.throws(
      () => batcher.submit([row(4)], ['output']),
      (err: unknown) => err instanceof L1g1Error && err.kind === 'RESOURCE_EXHAUSTED' && err.reason === 'QUEUE_WAIT' && err.retryAfterMs >= 1 && /would wait ~3 ms/.test(err.message),
    );
    // The admitted ones all run. (How the estimate follows measured batch times is a
    // matter of timing, so it is left to loadtest/, not asserted here.)
    const answered = await Promise.all(admitted);
    assert.equal(answered.length, 3);
    assert.equal(batcher.stats.rejected, 1);
  });

  it('reports a model that does not load as FAILED_PRECONDITION with a stable message that names no server path', async () => {
    await assert.rejects(createOrtRunner(Buffer.from('not a model'), { workers: 1, intraOpNumThreads: 1, label: 'bad/1' }), (err: unknown) => {
      assert.ok(err instanceof L1g1Error);
      assert.equal(err.kind, 'FAILED_PRECONDITION');
      assert.equal(err.reason, 'MODEL_LOAD_FAILED');
      assert.equal(err.message, 'the artifact of bad/1 does not load in onnxruntime (the detail is in the inference log)');
      return true;
    });
  });

  it('loads from memory: an initializer whose external data names a file beside the model cannot read it', async () => {
    // A "secret" file beside where a path-loaded model would sit (the cache layout), and
    // in the working directory: neither may end up in the model's output.
    const secret = Float32Array.from([11, 22, 33, 44, 55, 66, 77, 88]);
    writeFileSync(join(dir, 'secret.bin'), Buffer.from(secret.buffer));
    writeFileSync(join(process.cwd(), 'l1g1-external-data-probe.bin'), Buffer.from(secret.buffer));
    try {
      // The hazard: loaded from a path, the model reads the sibling file.
      writeFileSync(join(dir, 'external.onnx'), externalDataModel('secret.bin'));
      const byPath = await ort.InferenceSession.create(join(dir, 'external.onnx'));
      const leaked = (await byPath.run({ x: new ort.Tensor('float32', new Float32Array(8), [8]) }))['y']!.data as Float32Array;
      await byPath.release();
      assert.deepEqual([...leaked], [...secret]);

      for (const location of ['secret.bin', 'l1g1-external-data-probe.bin', join(dir, 'secret.bin'), '../secret.bin']) {
        const model = externalDataModel(location);
        writeFileSync(join(dir, 'external.onnx'), model); // where a path-based loader would resolve 'secret.bin' from
        await assert.rejects(createOrtRunner(model, { workers: 1, intraOpNumThreads: 1, label: 'ext-1' }), (err: unknown) => {
          assert.ok(err instanceof L1g1Error, String(err));
          assert.equal(err.reason, 'MODEL_LOAD_FAILED', `${location}: ${err.message}`);
          assert.doesNotMatch(err.message, /\/|secret|onnxruntime_src/);
          return true;
        });
      }
    } finally {
      rmSync(join(process.cwd(), 'l1g1-external-data-probe.bin'), { force: true });
    }
  });
});
