import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx, padIdLists, specFromTfjsModel, type ExportModelSpec, type ExportPrecision } from '../src/export';
import { type Feed, maxAbsDiff, predict, runOnnx, seededIds, seededValues, seedWeights, useCpuBackend } from './export-helpers';

/**
 * Stated tolerances of the variants against the fp32 tfjs model, on softmax outputs (probabilities
 * in [0, 1]). Measured maxima on these models (2026-12-01): fp16 2.3e-4, int8 6.8e-3; per model in
 * docs-drafts/trainer-export.md.
 */
const TOLERANCE: Record<ExportPrecision, number> = { fp32: 1e-5, fp16: 1e-3, int8: 2e-2 };

interface Case {
  name: string;
  spec: ExportModelSpec;
  feed: Feed;
  expected: Float32Array;
}

function mlpCase(): Case {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [32], units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 32, activation: 'tanh' }),
      tf.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
  seedWeights(model, 31, 0.3);
  const input = seededValues(16 * 32, 131);
  return {
    name: 'Dense MLP',
    spec: specFromTfjsModel(model),
    feed: { type: 'float32', data: input, dims: [16, 32] },
    expected: predict(model, tf.tensor(input, [16, 32])).data,
  };
}

function cnnCase(): Case {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  seedWeights(model, 32, 0.3);
  const input = seededValues(8 * 12 * 12, 132);
  return {
    name: 'Conv2D CNN',
    spec: specFromTfjsModel(model),
    feed: { type: 'float32', data: input, dims: [8, 12, 12, 1] },
    expected: predict(model, tf.tensor(input, [8, 12, 12, 1])).data,
  };
}

function taggerCase(): Case {
  const model = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 40, outputDim: 16, inputLength: 10 }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: 16, returnSequences: true }) as tf.RNN }),
      tf.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
  seedWeights(model, 33, 0.3);
  const ids = seededIds(4 * 10, 40, 133);
  return {
    name: 'BiGRU tagger',
    spec: specFromTfjsModel(model),
    feed: { type: 'int64', data: ids, dims: [4, 10] },
    expected: predict(model, tf.tensor(ids, [4, 10], 'int32')).data,
  };
}

function textClassifierCase(): Case {
  const [vocabulary, dim, hidden] = [200, 16, 32];
  const table = seededValues(vocabulary * dim, 34, 0.5);
  const spec: ExportModelSpec = {
    inputShape: [-1],
    layers: [
      { kind: 'embedding_bag', table, vocabularySize: vocabulary, dim, combiner: 'mean' },
      { kind: 'dense', kernel: seededValues(dim * hidden, 35, 0.4), bias: seededValues(hidden, 36, 0.1), inputSize: dim, units: hidden, activation: 'relu' },
      { kind: 'dense', kernel: seededValues(hidden * 3, 37, 0.4), bias: seededValues(3, 38, 0.1), inputSize: hidden, units: 3, activation: 'softmax' },
    ],
  };
  const { data, dims } = padIdLists(Array.from({ length: 8 }, (_, r) => seededIds(3 + r, vocabulary, 134 + r)));
  // The fp32 export matches tfjs within 1e-5 (export-embedding-bag.test.ts), so it is the reference here.
  return { name: 'embedding-bag text classifier', spec, feed: { type: 'int64', data, dims }, expected: new Float32Array() };
}

describe('exportOnnx variants: fp16 and int8', () => {
  let cases: Case[] = [];
  before(async () => {
    await useCpuBackend();
    const text = textClassifierCase();
    text.expected = (await runOnnx(exportOnnx(text.spec).bytes, 'input', text.feed)).data;
    cases = [mlpCase(), cnnCase(), taggerCase(), text];
  });

  for (const precision of ['fp16', 'int8'] as const) {
    it(`${precision}: every model kind loads in onnxruntime-node and stays within ${TOLERANCE[precision]} of fp32 tfjs`, async () => {
      for (const c of cases) {
        const exported = exportOnnx(c.spec, { precision });

        const actual = await runOnnx(exported.bytes, 'input', c.feed);

        const error = maxAbsDiff(actual.data, c.expected);
        assert.ok(error < TOLERANCE[precision], `${c.name} ${precision}: max abs error ${error}`);
        assert.ok(error > 0, `${c.name} ${precision}: identical to fp32, so the weights were not stored at ${precision}`);
      }
    });
  }

  it('fp16 and int8 have the fp32 signature (names, datatypes, shapes), so the registry takes them as variants', () => {
    for (const c of cases) {
      const fp32 = exportOnnx(c.spec).signature;
      for (const precision of ['fp16', 'int8'] as const) {
        const variant = exportOnnx(c.spec, { precision }).signature;
        assert.deepEqual(variant.inputs, fp32.inputs, `${c.name} ${precision} inputs`);
        assert.deepEqual(variant.outputs, fp32.outputs, `${c.name} ${precision} outputs`);
      }
    }
  });

  it('fp16 and int8 artifacts are smaller than fp32 (2 and 1 bytes per weight; names and graph are a fixed cost)', () => {
    for (const c of cases) {
      const fp32 = exportOnnx(c.spec).bytes.length;
      const fp16 = exportOnnx(c.spec, { precision: 'fp16' }).bytes.length / fp32;
      const int8 = exportOnnx(c.spec, { precision: 'int8' }).bytes.length / fp32;
      assert.ok(fp16 > 0.45 && fp16 < 0.62, `${c.name}: fp16 is ${fp16} of fp32`);
      assert.ok(int8 > 0.2 && int8 < 0.45 && int8 < fp16, `${c.name}: int8 is ${int8} of fp32`);
    }
  });

  it('int8 embedding tables are quantized per row: a row 1000x smaller than the others keeps its precision', async () => {
    const [vocabulary, dim] = [4, 8];
    const table = seededValues(vocabulary * dim, 40, 1);
    for (let c = 0; c < dim; c++) table[dim + c] = (table[dim + c] ?? 0) * 1e-3;
    const spec: ExportModelSpec = { inputShape: [1], layers: [{ kind: 'embedding_bag', table, vocabularySize: vocabulary, dim, combiner: 'sum' }] };
    const feed: Feed = { type: 'int64', data: [1], dims: [1, 1] };

    const actual = await runOnnx(exportOnnx(spec, { precision: 'int8' }).bytes, 'input', feed);

    const row = table.subarray(dim, 2 * dim);
    const relative = maxAbsDiff(actual.data, row) / Math.max(...row.map(Math.abs));
    // A per-tensor scale (max |w| / 127 over the whole table) would round most of this row to 0.
    assert.ok(relative < 1 / 127, `relative error ${relative}`);
  });
});
