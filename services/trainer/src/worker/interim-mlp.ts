/**
 * The MLP the trainer builds until the model library (src/models) lands:
 * dense layers over a feature vector, softmax cross-entropy, weights drawn
 * from the run's seed (Glorot uniform) so the same seed gives the same
 * start. Its variables are named like its export layers (`hidden_<i>`,
 * `logits`), which LoRA targets and checkpoints refer to.
 */
import * as tf from '@tensorflow/tfjs';
import { createSeededRandom } from '../engine/seeded-random';
import type { TrainableModel } from '../engine/train-loop';
import type { ExportModelSpec } from '../export/layer-spec';
import type { MlpArchitecture } from './train-protocol';

export interface InterimMlp extends TrainableModel<number> {
  /** Class probabilities for rows `[from, to)` of `features`. */
  predict(features: tf.Tensor2D): tf.Tensor2D;
  exportSpec(classNames: string[]): ExportModelSpec;
  dispose(): void;
}

export function createInterimMlp(arch: MlpArchitecture, classCount: number, seed: number, examples: { features: Float32Array; labels: Int32Array }): InterimMlp {
  const rng = createSeededRandom(seed);
  const sizes = [arch.inputDim, ...arch.hiddenUnits, classCount];
  const names = [...arch.hiddenUnits.map((_, i) => `hidden_${i}`), 'logits'];
  const weights: Record<string, tf.Variable> = {};
  const layers: { kernel: tf.Variable; bias: tf.Variable }[] = [];
  const tag = `mlp-${seed}-${Math.floor(rng.next() * 1e9)}`;
  names.forEach((name, i) => {
    const fanIn = sizes[i] as number;
    const fanOut = sizes[i + 1] as number;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const init = Float32Array.from(rng.nextN(fanIn * fanOut), (u) => (2 * u - 1) * limit);
    const kernel = tf.variable(tf.tensor2d(init, [fanIn, fanOut]), true, `${tag}/${name}/kernel`);
    const bias = tf.variable(tf.zeros([fanOut]), true, `${tag}/${name}/bias`);
    weights[`${name}.kernel`] = kernel;
    weights[`${name}.bias`] = bias;
    layers.push({ kernel, bias });
  });
  const act = (x: tf.Tensor2D): tf.Tensor2D => (arch.activation === 'tanh' ? tf.tanh(x) : tf.relu(x));
  const logits = (x: tf.Tensor2D): tf.Tensor2D => {
    let h = x;
    layers.forEach((l, i) => {
      const z = tf.add(tf.matMul(h, l.kernel), l.bias) as tf.Tensor2D;
      h = i < layers.length - 1 ? act(z) : z;
    });
    return h;
  };
  const batchTensors = (batch: readonly number[]): { x: tf.Tensor2D; y: tf.Tensor2D } => {
    const dim = arch.inputDim;
    const x = new Float32Array(batch.length * dim);
    batch.forEach((row, i) => x.set(examples.features.subarray(row * dim, (row + 1) * dim), i * dim));
    const y = tf.oneHot(tf.tensor1d(batch.map((row) => examples.labels[row] as number), 'int32'), classCount) as tf.Tensor2D;
    return { x: tf.tensor2d(x, [batch.length, dim]), y };
  };
  return {
    weights,
    loss(batch) {
      const { x, y } = batchTensors(batch);
      return tf.losses.softmaxCrossEntropy(y, logits(x)) as tf.Scalar;
    },
    predict(features) {
      return tf.softmax(logits(features));
    },
    exportSpec(classNames) {
      return {
        inputShape: [arch.inputDim],
        inputName: 'features',
        outputName: 'probabilities',
        classNames,
        layers: layers.map((l, i) => ({
          kind: 'dense' as const,
          kernel: Float32Array.from(l.kernel.dataSync()),
          bias: Float32Array.from(l.bias.dataSync()),
          inputSize: sizes[i] as number,
          units: sizes[i + 1] as number,
          activation: i < layers.length - 1 ? arch.activation : ('softmax' as const),
        })),
      };
    },
    dispose() {
      for (const v of Object.values(weights)) v.dispose();
    },
  };
}
