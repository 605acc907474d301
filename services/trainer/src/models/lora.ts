import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { errors } from '@l1g1/kit';
import type { trainer } from '@l1g1/contracts';
import type { TrainableModel } from '../engine/train-loop';
import type { DenseLayerSpec, ExportModelSpec, LayerSpec } from '../export/layer-spec';
import { createInitRandom } from './init';
import { classificationMetrics, type ClassificationMetrics } from './metrics';

/** LoRA settings after defaults (PEFT's `r`, `lora_alpha`, `target_modules`). */
export interface LoraConfig {
  rank: number;
  alpha: number;
  /** Names of the adapted layers (see {@link layerNames}). */
  targets: string[];
  mergeOnExport: boolean;
}

/** A layer's name in a base chain: `<kind>_<position>` (`dense_0`, `activation_1`, `dense_2`). */
export function layerNames(base: ExportModelSpec): string[] {
  return base.layers.map((l, i) => `${l.kind}_${i}`);
}

/**
 * LoraOptions → config against a base model's layers. A target is a layer name or a name
 * prefix; every layer it matches must be dense (LoRA adapts a matmul's weight).
 * @throws INVALID_ARGUMENT naming `lora.rank`, `lora.alpha` or `lora.target_layers`.
 */
export function loraConfig(options: Partial<trainer.LoraOptions>, base: ExportModelSpec): LoraConfig {
  const rank = options.rank || 8;
  if (!Number.isSafeInteger(rank) || rank < 1 || rank > 1024) throw errors.invalidArgument('lora.rank', `must be in [1, 1024], got ${rank}`);
  const alpha = options.alpha ?? 16;
  if (!(Number.isFinite(alpha) && alpha > 0)) throw errors.invalidArgument('lora.alpha', `must be a positive number, got ${alpha}`);
  const names = layerNames(base);
  const dense = names.filter((_, i) => base.layers[i]?.kind === 'dense');
  const requested = options.targetLayers ?? [];
  let targets: string[];
  if (requested.length === 0) targets = dense;
  else {
    const chosen = new Set<string>();
    for (const target of requested) {
      const matches = names.filter((n) => n === target || n.startsWith(target));
      if (matches.length === 0) throw errors.invalidArgument('lora.target_layers', `"${target}" names no layer of the base model (layers: ${names.join(', ')})`);
      const notDense = matches.filter((n) => !dense.includes(n));
      if (notDense.length > 0) throw errors.invalidArgument('lora.target_layers', `"${target}" matches ${notDense.join(', ')}, which is not a dense layer`);
      matches.forEach((n) => chosen.add(n));
    }
    targets = names.filter((n) => chosen.has(n));
  }
  if (targets.length === 0) throw errors.invalidArgument('lora.target_layers', 'the base model has no dense layer to adapt');
  return { rank, alpha, targets, mergeOnExport: options.mergeOnExport ?? true };
}

/** One example for a float-input base (an MLP head over features). */
export interface FeatureExample {
  features: Float32Array;
  label: number;
}

/** A LoRA fine-tuning of a frozen base chain of dense and activation layers. */
export interface LoraModel {
  readonly trainable: TrainableModel<FeatureExample>;
  /** Trainable adapter parameters: Σ rank·(in + out) over the targets. */
  readonly adapterParameterCount: number;
  /** Outputs (softmax probabilities) for `[batch, in]` features. */
  predict(features: tf.Tensor2D): tf.Tensor2D;
  evaluate(examples: readonly FeatureExample[]): ClassificationMetrics;
  /** The merged model: each target's kernel W + (alpha / rank)·A·B; otherwise the base. */
  mergedSpec(): ExportModelSpec;
  /** The adapter alone: per target its A `[in, rank]`, B `[rank, out]` and scale alpha / rank. */
  adapter(): { layer: string; a: Float32Array; b: Float32Array; inputSize: number; units: number; rank: number; scale: number }[];
  dispose(): void;
}

/**
 * LoRA (Hu et al. 2021, PEFT's defaults): each targeted dense kernel W stays frozen and the layer
 * computes `x·W + (alpha/rank)·(x·A)·B + b`, A `[in, rank]` seeded ~ U(±1/sqrt(in)) (Kaiming
 * uniform, as PEFT), B zeros, so training starts from the base model's outputs exactly. Only A
 * and B are variables; the base's weights are constants the optimiser never sees.
 */
export function createLoraModel(base: ExportModelSpec, config: LoraConfig, seed: number): LoraModel {
  const names = layerNames(base);
  if (base.layers.some((l) => l.kind !== 'dense' && l.kind !== 'activation')) {
    throw errors.invalidArgument('base_model', 'LoRA fine-tuning takes a base of dense and activation layers');
  }
  const rng = createInitRandom(seed);
  const prefix = `lora_${randomUUID().slice(0, 8)}`;
  const scale = config.alpha / config.rank;
  const weights: Record<string, tf.Variable> = {};
  type Step = { layer: LayerSpec; name: string; kernel?: tf.Tensor2D; bias?: tf.Tensor1D; a?: tf.Variable; b?: tf.Variable };
  const steps: Step[] = base.layers.map((layer, i) => {
    const name = names[i] as string;
    if (layer.kind !== 'dense') return { layer, name };
    const step: Step = { layer, name, kernel: tf.tensor2d(layer.kernel, [layer.inputSize, layer.units]) };
    if (layer.bias !== undefined) step.bias = tf.tensor1d(layer.bias);
    if (config.targets.includes(name)) {
      const limit = 1 / Math.sqrt(layer.inputSize);
      const a = new Float32Array(layer.inputSize * config.rank).map(() => (rng.next() * 2 - 1) * limit);
      step.a = tf.variable(tf.tensor2d(a, [layer.inputSize, config.rank]), true, `${prefix}/${name}/lora_a`);
      step.b = tf.variable(tf.zeros([config.rank, layer.units]), true, `${prefix}/${name}/lora_b`);
      weights[`${name}/lora_a`] = step.a;
      weights[`${name}/lora_b`] = step.b;
    }
    return step;
  });

  const activate = (x: tf.Tensor2D, activation: string): tf.Tensor2D => {
    switch (activation) {
      case 'relu':
        return tf.relu(x);
      case 'tanh':
        return tf.tanh(x);
      case 'sigmoid':
        return tf.sigmoid(x);
      case 'softmax':
        return tf.softmax(x);
      default:
        return x;
    }
  };
  /** The forward pass; `logits` stops before a final softmax (the loss takes logits). */
  const forward = (input: tf.Tensor2D, logits: boolean): tf.Tensor2D => {
    let x = input;
    steps.forEach((s, i) => {
      const last = i === steps.length - 1;
      if (s.layer.kind === 'activation') {
        if (!(logits && last && s.layer.activation === 'softmax')) x = activate(x, s.layer.activation);
        return;
      }
      const layer = s.layer as DenseLayerSpec;
      let y: tf.Tensor2D = tf.matMul(x, s.kernel as tf.Tensor2D);
      if (s.a !== undefined && s.b !== undefined) y = tf.add(y, tf.mul(tf.matMul(tf.matMul(x, s.a as tf.Tensor as tf.Tensor2D), s.b as tf.Tensor as tf.Tensor2D), scale)) as tf.Tensor2D;
      if (s.bias !== undefined) y = tf.add(y, s.bias) as tf.Tensor2D;
      x = logits && last && layer.activation === 'softmax' ? y : activate(y, layer.activation);
    });
    return x;
  };
  const batchOf = (examples: readonly FeatureExample[]) => {
    const width = examples[0]?.features.length ?? 0;
    const data = new Float32Array(examples.length * width);
    examples.forEach((e, i) => data.set(e.features, i * width));
    return tf.tensor2d(data, [examples.length, width]);
  };
  const classes = (base.layers.filter((l): l is DenseLayerSpec => l.kind === 'dense').at(-1) as DenseLayerSpec).units;

  return {
    trainable: {
      weights,
      loss(batch) {
        const labels = tf.oneHot(tf.tensor1d(batch.map((e) => e.label), 'int32'), classes);
        return tf.losses.softmaxCrossEntropy(labels, forward(batchOf(batch), true)) as tf.Scalar;
      },
    },
    adapterParameterCount: steps.reduce((n, s) => n + (s.a === undefined || s.layer.kind !== 'dense' ? 0 : config.rank * (s.layer.inputSize + s.layer.units)), 0),
    predict: (features) => forward(features, false),
    evaluate(examples) {
      const [losses, argmax] = tf.tidy(() => {
        const out = forward(batchOf(examples), true);
        const labels = tf.oneHot(tf.tensor1d(examples.map((e) => e.label), 'int32'), classes);
        return [tf.losses.softmaxCrossEntropy(labels, out, undefined, undefined, tf.Reduction.NONE).dataSync(), tf.argMax(out, 1).dataSync()];
      });
      return classificationMetrics(examples.map((e) => e.label), argmax, Array.from(losses).reduce((a, b) => a + b, 0));
    },
    mergedSpec() {
      const layers = steps.map((s): LayerSpec => {
        if (s.layer.kind !== 'dense' || s.a === undefined || s.b === undefined) return s.layer;
        const merged = tf.tidy(() => tf.add(s.kernel as tf.Tensor2D, tf.mul(tf.matMul(s.a as tf.Tensor as tf.Tensor2D, s.b as tf.Tensor as tf.Tensor2D), scale)).dataSync() as Float32Array);
        return { ...s.layer, kernel: merged };
      });
      return { ...base, layers };
    },
    adapter() {
      return steps.flatMap((s) =>
        s.layer.kind === 'dense' && s.a !== undefined && s.b !== undefined
          ? [{ layer: s.name, a: s.a.dataSync() as Float32Array, b: s.b.dataSync() as Float32Array, inputSize: s.layer.inputSize, units: s.layer.units, rank: config.rank, scale }]
          : [],
      );
    },
    dispose() {
      for (const s of steps) {
        s.kernel?.dispose();
        s.bias?.dispose();
        s.a?.dispose();
        s.b?.dispose();
      }
    },
  };
}
