import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { L1g1Error } from '@l1g1/kit';
import { PNG } from 'pngjs';
import type { trainer } from '@l1g1/contracts';
import { AdamW, createCosineWarmupSchedule, registerWasmKernels, train } from '../src/engine';
import { exportOnnx } from '../src/export';
import { cnnConfig, createCnn, createModel, type BuiltModel, type ImageExample, type RecordInput } from '../src/models';
import { maxAbsDiff, runOnnx, useCpuBackend } from './export-helpers';
import { mnistRecords } from './support/mnist';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function cnnSpec(overrides: Partial<trainer.CnnSpec> = {}): trainer.CnnSpec {
  return {
    inputHeight: 28,
    inputWidth: 28,
    inputChannels: 1,
    convLayers: [
      { filters: 8, kernelSize: 5, stride: 1, poolSize: 2 },
      { filters: 16, kernelSize: 5, stride: 1, poolSize: 2 },
    ],
    denseUnits: [],
    activation: 0,
    dropout: 0,
    ...overrides,
  };
}

const cnn = (spec: trainer.CnnSpec, classes = DIGITS, seed = 7) => createModel({ architecture: { $case: 'cnn', value: spec } }, classes, seed) as BuiltModel<ImageExample>;
const invalid = (field: string) => (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field;
const grey = (width: number, height: number, data: Uint8Array, extra: Record<string, string> = {}): RecordInput => ({
  data,
  metadata: { width: String(width), height: String(height), channels: '1', label: '1', ...extra },
});

describe('image CNN classifier (conv blocks → dense → softmax)', () => {
  afterEach(useCpuBackend);

  it('learns MNIST: ≥ 0.95 accuracy on 1,000 held-out digits after 2 epochs on 6,000 (wasm backend with our kernels)', async function () {
    this.timeout(180_000);
    assert.equal(await tf.setBackend('wasm'), true);
    registerWasmKernels(tf);
    const model = cnn(cnnSpec());
    const trainSet = model.featurize(mnistRecords(0, 600));
    const testSet = model.featurize(mnistRecords(760, 100));
    const before = model.evaluate(testSet);
    const optimizer = new AdamW({ learningRate: createCosineWarmupSchedule({ peakLr: 0.01, totalSteps: 2 * Math.ceil(trainSet.length / 32), warmupSteps: 10, minLr: 0.0002 }), weightDecay: 0.0001 });
    await train({ epochs: 2, batchSize: 32, optimizer, seed: 42 }, model.trainable, async function* () {
      yield* trainSet;
    });
    const after = model.evaluate(testSet);
    optimizer.dispose();
    model.dispose();
    console.log(`      held-out accuracy ${after.accuracy.toFixed(4)}, macro-F1 ${after.macro_f1.toFixed(4)}, loss ${after.loss.toFixed(4)} (before training: ${before.accuracy.toFixed(4)})`);
    assert.ok(before.accuracy < 0.3, `an untrained model guesses (${before.accuracy})`);
    assert.ok(after.accuracy >= 0.95, `held-out accuracy ${after.accuracy.toFixed(4)} (loss ${after.loss.toFixed(4)}, macro-F1 ${after.macro_f1.toFixed(4)})`);
    assert.equal(after.examples, 1000);
  });

  it('a trained CNN exports to ONNX whose probabilities match tfjs within 1e-5 (stride, pooling, hidden dense, tanh)', async () => {
    await useCpuBackend();
    const spec = cnnSpec({
      inputHeight: 12,
      inputWidth: 10,
      inputChannels: 3,
      convLayers: [
        { filters: 4, kernelSize: 3, stride: 1, poolSize: 2 },
        { filters: 5, kernelSize: 2, stride: 2, poolSize: 0 },
      ],
      denseUnits: [6],
      activation: 3,
    });
    const model = createCnn(cnnConfig(spec), ['a', 'b', 'c'], 7);
    const records: RecordInput[] = Array.from({ length: 6 }, (_, i) => ({
      data: Uint8Array.from({ length: 12 * 10 * 3 }, (_, p) => (p * 37 + i * 101) % 256),
      metadata: { width: '10', height: '12', channels: '3', label: ['a', 'b', 'c'][i % 3] as string },
    }));
    const examples = model.featurize(records);
    const optimizer = new AdamW({ learningRate: 0.05 });
    await train({ epochs: 2, batchSize: 3, optimizer, seed: 5 }, model.trainable, async function* () {
      yield* examples;
    });
    const input = new Float32Array(examples.length * 360);
    examples.forEach((e, i) => input.set(e.pixels, i * 360));
    assert.deepEqual(model.exportSpec().inputShape, [12, 10, 3]);
    const exported = exportOnnx(model.exportSpec());
    const onnx = await runOnnx(exported.bytes, 'image', { type: 'float32', data: input, dims: [examples.length, 12, 10, 3] }, 'probabilities');
    const tfjs = model.probabilities(examples);
    assert.deepEqual(onnx.dims, [examples.length, 3]);
    assert.ok(maxAbsDiff(onnx.data, tfjs) <= 1e-5, `max |onnx - tfjs| = ${maxAbsDiff(onnx.data, tfjs)}`);
    assert.deepEqual(JSON.parse(exported.metadata.class_names ?? '[]'), ['a', 'b', 'c']);
    optimizer.dispose();
    model.dispose();
  });

  it('refuses bad specs naming architecture.cnn.<field> before building anything', () => {
    const conv = (layer: Partial<trainer.ConvLayer>) => ({ filters: 4, kernelSize: 3, stride: 1, poolSize: 0, ...layer });
    assert.throws(() => cnn(cnnSpec({ convLayers: [conv({ filters: 0 })] })), invalid('architecture.cnn.conv_layers[0].filters'));
    assert.throws(() => cnn(cnnSpec({ inputHeight: 4, inputWidth: 4, convLayers: [conv({ kernelSize: 5 })] })), invalid('architecture.cnn.conv_layers[0].kernel_size'));
    // 28 → 26 → pool 2 → 13 → 9 → a 10×10 pool does not fit
    assert.throws(() => cnn(cnnSpec({ convLayers: [conv({ poolSize: 2 }), conv({ kernelSize: 5, poolSize: 10 })] })), invalid('architecture.cnn.conv_layers[1].pool_size'));
    assert.throws(() => cnn(cnnSpec({ convLayers: [conv({}), conv({ kernelSize: 27 })] })), invalid('architecture.cnn.conv_layers[1].kernel_size'));
    assert.throws(() => cnn(cnnSpec({ convLayers: [] })), invalid('architecture.cnn.conv_layers'));
    assert.throws(() => cnn(cnnSpec({ inputHeight: 0 })), invalid('architecture.cnn.input_height'));
    assert.throws(() => cnn(cnnSpec({ inputChannels: 2 })), invalid('architecture.cnn.input_channels'));
    assert.throws(() => cnn(cnnSpec({ convLayers: [conv({ stride: -1 })] })), invalid('architecture.cnn.conv_layers[0].stride'));
    assert.throws(() => cnn(cnnSpec({ denseUnits: [0] })), invalid('architecture.cnn.dense_units[0]'));
    assert.throws(() => cnn(cnnSpec({ activation: 2 })), invalid('architecture.cnn.activation'));
    assert.throws(() => cnn(cnnSpec({ dropout: 1 })), invalid('architecture.cnn.dropout'));
  });

  it('refuses image records that do not fit, naming the record and field', () => {
    const model = cnn(cnnSpec({ inputHeight: 4, inputWidth: 4, convLayers: [{ filters: 2, kernelSize: 3, stride: 1, poolSize: 0 }] }));
    const ok = grey(4, 4, new Uint8Array(16));
    assert.throws(() => model.featurize([ok, grey(4, 4, new Uint8Array(15))]), invalid('records[1].data'));
    assert.throws(() => model.featurize([grey(4, 4, new Uint8Array(16), { format: 'jpeg' })]), invalid('records[0].metadata.format'));
    assert.throws(() => model.featurize([grey(4, 4, new Uint8Array(16), { format: 'png' })]), invalid('records[0].data'), 'not a PNG file');
    assert.throws(() => model.featurize([{ data: new Uint8Array(16), metadata: { height: '4', channels: '1', label: '1' } }]), invalid('records[0].metadata.width'));
    assert.throws(() => model.featurize([grey(4, 4, new Uint8Array(16), { channels: '2' })]), invalid('records[0].metadata.channels'));
    assert.throws(() => model.featurize([{ data: 'text', metadata: ok.metadata }]), invalid('records[0].data'));
    assert.throws(() => model.featurize([grey(4, 4, new Uint8Array(16), { label: 'x' })]), invalid('data.label_field'));
    model.dispose();
  });

  it('reads PNG records as the ingestion image parser stores them (the same pixels as raw), and refuses a corrupt one', () => {
    const model = cnn(cnnSpec({ inputHeight: 3, inputWidth: 3, convLayers: [{ filters: 2, kernelSize: 3, stride: 1, poolSize: 0 }] }));
    const values = Uint8Array.from([0, 40, 80, 120, 160, 200, 240, 255, 7]);
    const png = new PNG({ width: 3, height: 3 });
    values.forEach((v, p) => png.data.set([v, v, v, 255], p * 4));
    const file = PNG.sync.write(png);
    const [fromPng] = model.featurize([{ data: new Uint8Array(file), metadata: { format: 'png', width: '3', height: '3', channels: '4', label: '1' } }]);
    const [fromRaw] = model.featurize([grey(3, 3, values)]);
    assert.ok(fromPng !== undefined && fromRaw !== undefined);
    assert.ok(maxAbsDiff(fromPng.pixels, fromRaw.pixels) < 1e-6, 'grey RGB through BT.601 luma is the grey value');
    const corrupt = new Uint8Array(file);
    corrupt.fill(0, 40);
    assert.throws(() => model.featurize([{ data: corrupt, metadata: { format: 'png', label: '1' } }]), invalid('records[0].data'));
    model.dispose();
  });

  it('scales pixels to [0, 1], resizes to the input shape and turns RGB into grey', () => {
    const model = cnn(cnnSpec({ inputHeight: 3, inputWidth: 3, convLayers: [{ filters: 2, kernelSize: 3, stride: 1, poolSize: 0 }] }));
    // a 2×2 grey image 0, 255 / 255, 0 → bilinear with aligned corners to 3×3
    const [resized] = model.featurize([grey(2, 2, Uint8Array.from([0, 255, 255, 0]))]);
    assert.deepEqual(Array.from(resized?.pixels ?? []), [0, 0.5, 1, 0.5, 0.5, 0.5, 1, 0.5, 0]);
    const rgb: RecordInput = { data: Uint8Array.from({ length: 27 }, (_, i) => (i % 3 === 0 ? 255 : 0)), metadata: { width: '3', height: '3', channels: '3', label: '1' } };
    const [red] = model.featurize([rgb]);
    assert.ok(red !== undefined && red.pixels.every((v) => Math.abs(v - 0.299) < 1e-6), 'pure red is BT.601 luma 0.299');
    model.dispose();
  });
});

