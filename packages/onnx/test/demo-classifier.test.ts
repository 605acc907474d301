import { strict as assert } from 'node:assert';
import { buildDemoClassifier, readOnnxSignature } from '../src/index';
import { argmaxRows, runModel } from './reference';

// Sepal length, sepal width, petal length, petal width (cm): the class means of Fisher's iris
// data, then specimens 1 (setosa), 52 and 55 (versicolor), 101 and 102 (virginica).
const FLOWERS = [
  [5.006, 3.428, 1.462, 0.246],
  [5.936, 2.77, 4.26, 1.326],
  [6.588, 2.974, 5.552, 2.026],
  [5.1, 3.5, 1.4, 0.2],
  [6.4, 3.2, 4.5, 1.5],
  [6.5, 2.8, 4.6, 1.5],
  [6.3, 3.3, 6.0, 2.5],
  [5.8, 2.7, 5.1, 1.9],
];
const SPECIES = [0, 1, 2, 0, 1, 1, 2, 2];

describe('buildDemoClassifier', () => {
  it('has the signature the launcher serves: features [batch,4] -> probabilities [batch,3]', () => {
    const signature = readOnnxSignature(buildDemoClassifier());

    assert.deepEqual(signature.inputs, [{ name: 'features', datatype: 'FP32', shape: [-1, 4], dimNames: ['batch', ''] }]);
    assert.deepEqual(signature.outputs, [
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3], dimNames: ['batch', ''] },
    ]);
  });

  for (const precision of ['fp32', 'fp16', 'int8'] as const) {
    it(`${precision}: classifies iris flowers into the right species, with probabilities`, async () => {
      const input = Float32Array.from(FLOWERS.flat());

      const result = await runModel(buildDemoClassifier({ precision }), 'features', 'probabilities', input, FLOWERS.length);

      assert.deepEqual(result.dims, [FLOWERS.length, 3]);
      assert.deepEqual(argmaxRows(result.data, FLOWERS.length), SPECIES);
      for (let r = 0; r < FLOWERS.length; r++) {
        const row = result.data.subarray(r * 3, r * 3 + 3);
        assert.ok(Math.abs(row[0]! + row[1]! + row[2]! - 1) < 1e-5, `row ${r} sums to 1`);
      }
      const meanConfidence = [0, 1, 2].map((k) => result.data[k * 3 + k]!);
      assert.ok(Math.min(...meanConfidence) > 0.8, `class means classified with confidence ${meanConfidence.join(', ')}`);
    });
  }

  it('is deterministic per seed', () => {
    assert.deepEqual(buildDemoClassifier(), buildDemoClassifier());
    assert.deepEqual(buildDemoClassifier({ seed: 3, precision: 'int8' }), buildDemoClassifier({ seed: 3, precision: 'int8' }));
    assert.notDeepEqual(buildDemoClassifier({ seed: 3 }), buildDemoClassifier({ seed: 4 }));
  });
});
