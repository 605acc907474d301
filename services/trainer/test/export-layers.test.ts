import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx, specFromTfjsModel, type ExportModelSpec } from '../src/export';
import { maxAbsDiff, predict, runOnnx, seededIds, seededValues, seedWeights, useCpuBackend } from './export-helpers';

// Acceptance: the exported fp32 models' outputs match TensorFlow.js within 1e-5.
const TOLERANCE = 1e-5;

describe('exportOnnx fp32: outputs match TensorFlow.js', () => {
  before(useCpuBackend);

  it('Dense MLP with relu, tanh and softmax', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu' }),
        tf.layers.dense({ units: 5, activation: 'tanh' }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    seedWeights(model, 1);
    const input = seededValues(4 * 6, 100, 2);
    const expected = predict(model, tf.tensor(input, [4, 6]));

    const exported = exportOnnx(specFromTfjsModel(model));
    const actual = await runOnnx(exported.bytes, 'input', { type: 'float32', data: input, dims: [4, 6] });

    assert.deepEqual(actual.dims, [4, 3]);
    assert.ok(maxAbsDiff(actual.data, expected.data) < TOLERANCE, `max abs diff ${maxAbsDiff(actual.data, expected.data)}`);
  });

  it('Conv2D (same and valid padding, stride 2) + MaxPool + Flatten + Dense: NHWC input, channels-last flatten order', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [9, 8, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: 2, padding: 'valid' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    seedWeights(model, 2);
    const input = seededValues(3 * 9 * 8 * 2, 101);
    const expected = predict(model, tf.tensor(input, [3, 9, 8, 2]));

    const exported = exportOnnx(specFromTfjsModel(model));
    const actual = await runOnnx(exported.bytes, 'input', { type: 'float32', data: input, dims: [3, 9, 8, 2] });

    assert.deepEqual(actual.dims, expected.dims);
    assert.ok(maxAbsDiff(actual.data, expected.data) < TOLERANCE, `max abs diff ${maxAbsDiff(actual.data, expected.data)}`);
  });

  it('Conv2D with same padding and stride 2 on odd sizes (TF pads the extra cell at the end)', async () => {
    const model = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [7, 5, 1], filters: 2, kernelSize: 4, strides: 2, padding: 'same' })],
    });
    seedWeights(model, 3);
    const input = seededValues(2 * 7 * 5, 102);
    const expected = predict(model, tf.tensor(input, [2, 7, 5, 1]));

    const exported = exportOnnx(specFromTfjsModel(model));
    const actual = await runOnnx(exported.bytes, 'input', { type: 'float32', data: input, dims: [2, 7, 5, 1] });

    assert.deepEqual(actual.dims, expected.dims, 'the output is channels-last, as in tfjs');
    assert.ok(maxAbsDiff(actual.data, expected.data) < TOLERANCE, `max abs diff ${maxAbsDiff(actual.data, expected.data)}`);
  });

  it('token tagger: Embedding → Bidirectional(GRU, sequences) → per-token softmax', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 20, outputDim: 6, inputLength: 7 }),
        tf.layers.bidirectional({ layer: tf.layers.gru({ units: 5, returnSequences: true }) as tf.RNN, mergeMode: 'concat' }),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    seedWeights(model, 4);
    const ids = seededIds(3 * 7, 20, 103);
    const expected = predict(model, tf.tensor(ids, [3, 7], 'int32'));

    const exported = exportOnnx(specFromTfjsModel(model, { inputName: 'token_ids', outputName: 'tag_probabilities' }));
    const actual = await runOnnx(exported.bytes, 'token_ids', { type: 'int64', data: ids, dims: [3, 7] }, 'tag_probabilities');

    assert.deepEqual(actual.dims, [3, 7, 4]);
    assert.ok(maxAbsDiff(actual.data, expected.data) < TOLERANCE, `max abs diff ${maxAbsDiff(actual.data, expected.data)}`);
  });

  it('language model: Embedding → GRU (sigmoid gates, last state) → softmax over the vocabulary', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 12, outputDim: 4, inputLength: 6 }),
        tf.layers.gru({ units: 7, recurrentActivation: 'sigmoid' }),
        tf.layers.dense({ units: 12, activation: 'softmax' }),
      ],
    });
    seedWeights(model, 5);
    const ids = seededIds(2 * 6, 12, 104);
    const expected = predict(model, tf.tensor(ids, [2, 6], 'int32'));

    const exported = exportOnnx(specFromTfjsModel(model));
    const actual = await runOnnx(exported.bytes, 'input', { type: 'int64', data: ids, dims: [2, 6] });

    assert.deepEqual(actual.dims, [2, 12]);
    assert.ok(maxAbsDiff(actual.data, expected.data) < TOLERANCE, `max abs diff ${maxAbsDiff(actual.data, expected.data)}`);
  });

  it('GRU with a dynamic sequence length serves other lengths than the one it was exported with', async () => {
    const model = tf.sequential({
      layers: [tf.layers.gru({ inputShape: [null, 3], units: 4, returnSequences: true })],
    });
    seedWeights(model, 6);
    const input = seededValues(2 * 9 * 3, 105);
    const expected = predict(model, tf.tensor(input, [2, 9, 3]));

    const exported = exportOnnx(specFromTfjsModel(model));
    const actual = await runOnnx(exported.bytes, 'input', { type: 'float32', data: input, dims: [2, 9, 3] });

    assert.deepEqual(exported.signature.inputs[0]?.shape, [-1, -1, 3]);
    assert.ok(maxAbsDiff(actual.data, expected.data) < TOLERANCE, `max abs diff ${maxAbsDiff(actual.data, expected.data)}`);
  });

  it('GRU with resetAfter (Keras 2 layout, linear_before_reset = 1) matches the same cell written in tfjs ops', async () => {
    // tfjs's GRU layer refuses resetAfter, so the reference is the Keras reset_after cell in tfjs ops:
    // z,r = σ(x·Wzr + bx_zr + h·Rzr + bh_zr); h~ = tanh(x·Wh + bx_h + r ⊙ (h·Rh + bh_h)); h' = z⊙h + (1−z)⊙h~.
    const [batch, time, features, units] = [2, 5, 3, 4];
    const kernel = seededValues(features * 3 * units, 7, 0.6);
    const recurrentKernel = seededValues(units * 3 * units, 8, 0.6);
    const bias = seededValues(2 * 3 * units, 9, 0.6);
    const input = seededValues(batch * time * features, 106);
    const expected = tf.tidy(() => {
      const x = tf.tensor(input, [batch, time, features]);
      const k = tf.tensor(kernel, [features, 3 * units]);
      const rk = tf.tensor(recurrentKernel, [units, 3 * units]);
      const [bx, bh] = tf.split(tf.tensor(bias, [2, 3 * units]), 2, 0) as [tf.Tensor, tf.Tensor];
      let h: tf.Tensor = tf.zeros([batch, units]);
      for (let t = 0; t < time; t++) {
        const xt = tf.squeeze(tf.slice(x, [0, t, 0], [batch, 1, features]), [1]);
        const [xz, xr, xh] = tf.split(tf.add(tf.matMul(xt, k), bx), 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
        const [hz, hr, hh] = tf.split(tf.add(tf.matMul(h, rk), bh), 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
        const z = tf.sigmoid(tf.add(xz, hz));
        const r = tf.sigmoid(tf.add(xr, hr));
        const candidate = tf.tanh(tf.add(xh, tf.mul(r, hh)));
        h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), candidate));
      }
      return Float32Array.from(h.dataSync() as ArrayLike<number>);
    });
    const spec: ExportModelSpec = {
      inputShape: [time, features],
      layers: [
        {
          kind: 'gru',
          inputSize: features,
          units,
          resetAfter: true,
          returnSequences: false,
          activation: 'tanh',
          recurrentActivation: 'sigmoid',
          forward: { kernel, recurrentKernel, bias },
        },
      ],
    };

    const exported = exportOnnx(spec);
    const actual = await runOnnx(exported.bytes, 'input', { type: 'float32', data: input, dims: [batch, time, features] });

    assert.ok(maxAbsDiff(actual.data, expected) < TOLERANCE, `max abs diff ${maxAbsDiff(actual.data, expected)}`);
  });
});
