import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { L1g1Error } from '@l1g1/kit';
import { AdamW, train } from '../src/engine';
import { exportOnnx, type ExportModelSpec } from '../src/export';
import { createLoraModel, loraConfig, type FeatureExample } from '../src/models';
import { maxAbsDiff, runOnnx, seededValues, useCpuBackend } from './export-helpers';

const IN = 6;
const HIDDEN = 8;
const CLASSES = 3;

/** A "registered" base: dense → relu → dense → softmax, seeded. */
function baseModel(): ExportModelSpec {
  return {
    inputShape: [IN],
    classNames: ['a', 'b', 'c'],
    layers: [
      { kind: 'dense', kernel: seededValues(IN * HIDDEN, 1, 0.5), bias: seededValues(HIDDEN, 2, 0.1), inputSize: IN, units: HIDDEN, activation: 'relu' },
      { kind: 'dense', kernel: seededValues(HIDDEN * CLASSES, 3, 0.5), bias: seededValues(CLASSES, 4, 0.1), inputSize: HIDDEN, units: CLASSES, activation: 'linear' },
      { kind: 'activation', activation: 'softmax' },
    ],
  };
}

/** A task the base gets wrong: the class is the argmax of the first three features. */
function examples(n: number, seed: number): FeatureExample[] {
  const values = seededValues(n * IN, seed);
  return Array.from({ length: n }, (_, i) => {
    const features = values.slice(i * IN, i * IN + IN);
    const first = Array.from(features.slice(0, 3));
    return { features, label: first.indexOf(Math.max(...first)) };
  });
}

const invalid = (field: string) => (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field;

describe('LoRA on dense layers', () => {
  before(useCpuBackend);

  it('trains only the adapters: the base weights stay frozen, accuracy rises, the parameter count is rank·(in+out) per target', async () => {
    const base = baseModel();
    const config = loraConfig({ rank: 2, alpha: 4, targetLayers: ['dense_0', 'dense_1'] }, base);
    const lora = createLoraModel(base, config, 7);
    const data = examples(300, 11);
    const before = lora.evaluate(data);
    const optimizer = new AdamW({ learningRate: 0.05, weightDecay: 0 });

    await train({ epochs: 15, batchSize: 32, optimizer, seed: 3 }, lora.trainable, async function* () {
      yield* data;
    });

    assert.equal(lora.adapterParameterCount, 2 * (IN + HIDDEN) + 2 * (HIDDEN + CLASSES));
    assert.deepEqual(Object.keys(lora.trainable.weights).sort(), ['dense_0/lora_a', 'dense_0/lora_b', 'dense_1/lora_a', 'dense_1/lora_b']);
    assert.deepEqual(baseModel().layers, base.layers, 'the base spec is untouched');
    const after = lora.evaluate(data);
    assert.ok(after.accuracy > before.accuracy + 0.2, `accuracy ${before.accuracy} → ${after.accuracy}`);
    optimizer.dispose();
    lora.dispose();
  });

  it('the merged export equals the base + adapter forward pass within 1e-5 (ONNX Runtime)', async () => {
    const base = baseModel();
    const lora = createLoraModel(base, loraConfig({ rank: 3, alpha: 6, targetLayers: ['dense_1'] }, base), 5);
    const optimizer = new AdamW({ learningRate: 0.05 });
    await train({ epochs: 2, batchSize: 16, optimizer, seed: 1 }, lora.trainable, async function* () {
      yield* examples(64, 12);
    });
    const probe = seededValues(4 * IN, 13);
    const expected = tf.tidy(() => lora.predict(tf.tensor2d(probe, [4, IN])).dataSync());
    const adapter = lora.adapter();

    const actual = await runOnnx(exportOnnx(lora.mergedSpec()).bytes, 'input', { type: 'float32', data: probe, dims: [4, IN] });

    assert.ok(maxAbsDiff(actual.data, expected) < 1e-5, `max abs diff ${maxAbsDiff(actual.data, expected)}`);
    assert.deepEqual(adapter.map((a) => [a.layer, a.a.length, a.b.length, a.scale]), [['dense_1', HIDDEN * 3, 3 * CLASSES, 2]]);
    assert.ok(adapter[0]?.b.some((x) => x !== 0), 'B left zero: the adapter never trained');
    optimizer.dispose();
    lora.dispose();
  });

  it('refuses a target that is not a dense layer, or names nothing, with INVALID_ARGUMENT naming lora.target_layers', () => {
    const base = baseModel();
    assert.throws(() => loraConfig({ rank: 2, targetLayers: ['activation_2'] }, base), invalid('lora.target_layers'));
    assert.throws(() => loraConfig({ rank: 2, targetLayers: ['conv'] }, base), invalid('lora.target_layers'));
    assert.throws(() => loraConfig({ rank: -1 }, base), invalid('lora.rank'));
    assert.deepEqual(loraConfig({}, base).targets, ['dense_0', 'dense_1']);
  });
});
