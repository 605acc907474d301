import * as tf from '@tensorflow/tfjs';
import { type ClassificationMetrics, classificationMetrics } from './metrics';

/** A batch's logits `[predictions, classes]` and integer targets `[predictions]`. */
export interface BatchScores {
  logits: tf.Tensor2D;
  targets: tf.Tensor1D;
}

/**
 * Mean cross-entropy, accuracy and macro-F1 over `examples`, scored in batches of `batchSize` so
 * that memory stays bounded whatever the split's size. `score` builds a batch's logits and targets
 * from tensors it creates (it runs inside a tidy); a row is one prediction, so a classifier gives
 * one per example and a language model one per predicted token.
 */
export function evaluateInBatches<E>(examples: readonly E[], batchSize: number, score: (batch: readonly E[]) => BatchScores): ClassificationMetrics {
  const truth: number[] = [];
  const predicted: number[] = [];
  let lossSum = 0;
  for (let start = 0; start < examples.length; start += batchSize) {
    const [losses, argmax, targets] = tf.tidy(() => {
      const { logits, targets: t } = score(examples.slice(start, start + batchSize));
      const perRow = tf.losses.softmaxCrossEntropy(tf.oneHot(t, logits.shape[1]), logits, undefined, undefined, tf.Reduction.NONE);
      return [perRow.dataSync(), tf.argMax(logits, 1).dataSync(), t.dataSync()];
    });
    for (let i = 0; i < targets.length; i++) {
      truth.push(targets[i] as number);
      predicted.push(argmax[i] as number);
      lossSum += losses[i] as number;
    }
  }
  return classificationMetrics(truth, predicted, lossSum);
}
