import * as tf from '@tensorflow/tfjs';
import { spamAssassinSnapshot } from './support/spam-assassin';
import { createModel, AdamW, train } from '../src';
async function main() {
  await tf.setBackend('cpu');
  let t = performance.now();
  const snap = await spamAssassinSnapshot();
  console.log('parsed', snap.length, (performance.now() - t) / 1000);
  const m = createModel({ architecture: { $case: 'textClassifier', value: { vocabSize: 1 << 16, embeddingDim: 32, wordNgramMax: 2, maxTokens: 400 } as any } }, ['ham', 'spam'], 7);
  t = performance.now();
  const trainEx = m.featurize(snap.filter((r) => r.metadata.split === 'train'));
  const testEx = m.featurize(snap.filter((r) => r.metadata.split === 'test'));
  console.log('featurized', trainEx.length, testEx.length, (performance.now() - t) / 1000);
  const opt = new AdamW({ learningRate: 0.02, weightDecay: 0 });
  t = performance.now();
  for (let e = 0; e < Number(process.env.EPOCHS ?? 3); e++) {
    await train({ epochs: 1, batchSize: 32, optimizer: opt, seed: 1 + e }, m.trainable, async function* () { yield* trainEx; });
    console.log('epoch', e, (performance.now() - t) / 1000, m.evaluate(testEx), tf.memory().numTensors);
  }
}
main();
