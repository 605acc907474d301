import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { CLASS_NAMES_KEY, exportOnnx, specFromTfjsModel, type ExportModelSpec } from '../src/export';
import { seededValues, useCpuBackend } from './export-helpers';

function dense(inputSize: number, units: number, activation: 'softmax' | 'relu' = 'softmax'): ExportModelSpec['layers'][number] {
  return { kind: 'dense', kernel: seededValues(inputSize * units, 1), bias: seededValues(units, 2), inputSize, units, activation };
}

/** The model's metadata_props as onnx-proto decodes them (what any ONNX tool reads). */
function metadataProps(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes);
  return Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
}

describe('exportOnnx: signature and metadata for the registry', () => {
  before(useCpuBackend);

  it('names, datatypes and shapes with -1 for the batch (and other dynamic sizes) are in the signature', () => {
    const exported = exportOnnx({ inputShape: [4], inputName: 'features', outputName: 'probabilities', layers: [dense(4, 3)] });

    assert.deepEqual(exported.signature.inputs, [{ name: 'features', datatype: 'FP32', shape: [-1, 4], dimNames: ['batch', ''] }]);
    assert.deepEqual(exported.signature.outputs, [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3], dimNames: ['batch', ''] }]);
  });

  it('class_names is written as a JSON array in metadata_props, at every precision', () => {
    for (const precision of ['fp32', 'fp16', 'int8'] as const) {
      const exported = exportOnnx({ inputShape: [4], classNames: ['setosa', 'versicolor', 'virginica'], layers: [dense(4, 3)] }, { precision, metadata: { job_id: 'j1' } });

      const props = metadataProps(exported.bytes);

      assert.deepEqual(JSON.parse(props[CLASS_NAMES_KEY] ?? 'null'), ['setosa', 'versicolor', 'virginica'], precision);
      assert.equal(props['job_id'], 'j1');
      assert.deepEqual(exported.metadata, props);
    }
  });

  it('refuses class names that do not match the output classes, naming the field', () => {
    assert.throws(() => exportOnnx({ inputShape: [4], classNames: ['a', 'b'], layers: [dense(4, 3)] }), /classNames must hold one string per output class \(3\), got 2/);
  });

  it('refuses inconsistent weights and chaining, naming the layer and field', () => {
    const short = { ...dense(4, 3), kernel: new Float32Array(11) } as ExportModelSpec['layers'][number];
    assert.throws(() => exportOnnx({ inputShape: [4], layers: [short] }), /layers\[0\]\.kernel has 11 values, expected 12 \(\[4, 3\]\)/);
    assert.throws(() => exportOnnx({ inputShape: [4], layers: [dense(4, 5, 'relu'), dense(4, 3)] }), /layers\[1\]\.inputSize is 4 but its input has 5 features/);
    assert.throws(
      () => exportOnnx({ inputShape: [4], layers: [dense(4, 8, 'relu'), { kind: 'embedding', table: new Float32Array(8), vocabularySize: 4, dim: 2 }] }),
      /layers\[1\]: an embedding must be the first layer/,
    );
    assert.throws(() => exportOnnx({ inputShape: [4], layers: [] }), /layers must not be empty/);
    assert.throws(() => exportOnnx({ inputShape: [0], layers: [dense(4, 3)] }), /inputShape\[0\] must be a positive integer or -1/);
    assert.throws(() => exportOnnx({ inputShape: [4], layers: [dense(4, 3)] }, { precision: 'int4' as 'int8' }), /precision must be 'fp32', 'fp16' or 'int8'/);
  });

  it('refuses tfjs layers and settings it cannot write, naming the layer', () => {
    const lstm = tf.sequential({ layers: [tf.layers.lstm({ inputShape: [3, 2], units: 2 })] });
    const elu = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, activation: 'elu' })] });
    const masked = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 5, outputDim: 2, inputLength: 3, maskZero: true })] });

    assert.throws(() => specFromTfjsModel(lstm), /layers\[0\]: tfjs layer 'LSTM' cannot be exported/);
    assert.throws(() => specFromTfjsModel(elu), /layers\[0\]\.activation 'elu' cannot be exported/);
    assert.throws(() => specFromTfjsModel(masked), /layers\[0\]: maskZero embeddings cannot be exported/);
  });
});
