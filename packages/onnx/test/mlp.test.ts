import { strict as assert } from 'node:assert';
import { buildMlp, buildMlpWithWeights, float16ToFloat32, float32ToFloat16, readOnnxSignature, type MlpLayer } from '../src/index';
import { argmaxRows, forward, maxAbsDiff, randomInput, runModel } from './reference';

const SHAPE = { inputSize: 24, hiddenSizes: [32, 16], outputSize: 6 };
const ROWS = 64;

function roundWeightsToFloat16(layers: MlpLayer[]): MlpLayer[] {
  const round = (values: Float32Array): Float32Array => values.map((v) => float16ToFloat32(float32ToFloat16(v)));
  return layers.map((layer) => ({ ...layer, weight: round(layer.weight), bias: round(layer.bias) }));
}

describe('buildMlp', () => {
  it('fp32: ONNX Runtime output equals a plain forward pass of the same weights', async () => {
    const { bytes, layers } = buildMlpWithWeights({ ...SHAPE, seed: 11 });
    const input = randomInput(ROWS * SHAPE.inputSize, 1);

    const result = await runModel(bytes, 'input', 'output', input, ROWS);

    assert.deepEqual(result.dims, [ROWS, SHAPE.outputSize]);
    assert.ok(maxAbsDiff(result.data, forward(layers, input, ROWS, false)) < 1e-5);
  });

  it('fp32 with softmax and custom names: rows are the softmax of the forward pass', async () => {
    const { bytes, layers } = buildMlpWithWeights({ ...SHAPE, seed: 12, softmax: true, inputName: 'pixels', outputName: 'probs' });
    const input = randomInput(ROWS * SHAPE.inputSize, 2);

    const result = await runModel(bytes, 'pixels', 'probs', input, ROWS);

    assert.ok(maxAbsDiff(result.data, forward(layers, input, ROWS, true)) < 1e-5);
  });

  it('fp16: stores half-precision weights and computes with them', async () => {
    const fp32 = buildMlpWithWeights({ ...SHAPE, seed: 13 });
    const fp16 = buildMlpWithWeights({ ...SHAPE, seed: 13, precision: 'fp16' });
    const input = randomInput(ROWS * SHAPE.inputSize, 3);

    const result = await runModel(fp16.bytes, 'input', 'output', input, ROWS);

    assert.deepEqual(fp16.layers, fp32.layers, 'same seed, same float32 weights');
    assert.ok(maxAbsDiff(result.data, forward(roundWeightsToFloat16(fp16.layers), input, ROWS, false)) < 1e-5);
  });

  it('fp16 halves and int8 quarters the artifact', () => {
    const shape = { inputSize: 256, hiddenSizes: [128], outputSize: 10 };
    const fp32Bytes = buildMlp(shape).length;

    const fp16Bytes = buildMlp({ ...shape, precision: 'fp16' }).length;
    const int8Bytes = buildMlp({ ...shape, precision: 'int8' }).length;

    assert.ok(Math.abs(fp16Bytes / fp32Bytes - 0.5) < 0.02, `fp16 ${fp16Bytes} vs fp32 ${fp32Bytes} bytes`);
    assert.ok(Math.abs(int8Bytes / fp32Bytes - 0.25) < 0.02, `int8 ${int8Bytes} vs fp32 ${fp32Bytes} bytes`);
  });

  it('int8: stays close to fp32 and agrees on the argmax', async () => {
    const shape = { inputSize: 64, hiddenSizes: [128], outputSize: 10 };
    const rows = 256;
    const fp32 = buildMlpWithWeights({ ...shape, seed: 14 });
    const int8 = buildMlpWithWeights({ ...shape, seed: 14, precision: 'int8' });
    const input = randomInput(rows * shape.inputSize, 4);

    const result = await runModel(int8.bytes, 'input', 'output', input, rows);

    assert.deepEqual(int8.layers, fp32.layers, 'same seed, same float32 weights');
    const expected = forward(fp32.layers, input, rows, false);
    const expectedArgmax = argmaxRows(expected, rows);
    const agreement = argmaxRows(result.data, rows).filter((k, r) => k === expectedArgmax[r]).length / rows;
    assert.ok(agreement >= 0.95, `argmax agreement ${agreement}`);
    const outputRange = maxAbsDiff(expected, new Float64Array(expected.length));
    const error = maxAbsDiff(result.data, expected);
    assert.ok(error < 0.05 * outputRange, `max abs error ${error} for outputs up to ${outputRange}`);
  });

  it('int8 with softmax runs, and its rows are probability distributions', async () => {
    const bytes = buildMlp({ ...SHAPE, precision: 'int8', softmax: true });
    const result = await runModel(bytes, 'input', 'output', randomInput(4 * SHAPE.inputSize, 5), 4);

    for (let r = 0; r < 4; r++) {
      const row = result.data.subarray(r * SHAPE.outputSize, (r + 1) * SHAPE.outputSize);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    }
  });

  it('keeps FP32 input and output, with a dynamic batch, at every precision', () => {
    for (const precision of ['fp32', 'fp16', 'int8'] as const) {
      const signature = readOnnxSignature(buildMlp({ ...SHAPE, precision }));
      assert.deepEqual(signature.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 24], dimNames: ['batch', ''] }]);
      assert.deepEqual(signature.outputs, [{ name: 'output', datatype: 'FP32', shape: [-1, 6], dimNames: ['batch', ''] }]);
    }
  });

  it('is deterministic: the same options give the same bytes, another seed other bytes', () => {
    for (const precision of ['fp32', 'fp16', 'int8'] as const) {
      assert.deepEqual(buildMlp({ ...SHAPE, seed: 5, precision }), buildMlp({ ...SHAPE, seed: 5, precision }));
      assert.notDeepEqual(buildMlp({ ...SHAPE, seed: 5, precision }), buildMlp({ ...SHAPE, seed: 6, precision }));
    }
  });

  it('rejects sizes, seeds, names and precisions it cannot build, naming the option', () => {
    assert.throws(() => buildMlp({ ...SHAPE, inputSize: 0 }), { name: 'RangeError', message: /inputSize/ });
    assert.throws(() => buildMlp({ ...SHAPE, hiddenSizes: [4, 2.5] }), { name: 'RangeError', message: /hiddenSizes\[1\]/ });
    assert.throws(() => buildMlp({ ...SHAPE, outputSize: -1 }), { name: 'RangeError', message: /outputSize/ });
    assert.throws(() => buildMlp({ ...SHAPE, seed: -1 }), { name: 'RangeError', message: /seed/ });
    assert.throws(() => buildMlp({ ...SHAPE, inputName: 'x', outputName: 'x' }), { name: 'RangeError', message: /differ/ });
    // @ts-expect-error: a precision from untyped input (e.g. a CLI flag)
    assert.throws(() => buildMlp({ ...SHAPE, precision: 'int4' }), { name: 'RangeError', message: /precision/ });
  });
});
