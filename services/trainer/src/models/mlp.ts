import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { errors } from '@l1g1/kit';
import type { trainer } from '@l1g1/contracts';
import type { ExportModelSpec } from '../export/layer-spec';
import type { BuiltModel } from './built-model';
import { createInitRandom, glorotKernel, zerosBias } from './init';
import type { FeatureExample } from './lora';
import { batchedClassificationMetrics } from './metrics';
import { labelIndex, type RecordInput } from './record-input';

/** The MLP's settings after defaults (MlpSpec). */
export interface MlpConfig {
  inputDim: number;
  hiddenUnits: number[];
  activation: 'relu' | 'tanh';
}

const FIELD = 'architecture.mlp';
/** Bounds that keep one model's weights sane (a 2^20-wide input is a hashed feature vector at most). */
const MAX_INPUT_DIM = 1_048_576;
const MAX_UNITS = 65_536;
const MAX_LAYERS = 32;

/** MlpSpec → validated config; INVALID_ARGUMENT naming the field otherwise. */
export function mlpConfig(spec: Partial<trainer.MlpSpec>): MlpConfig {
  const inputDim = spec.inputDim ?? 0;
  if (!Number.isSafeInteger(inputDim) || inputDim < 1 || inputDim > MAX_INPUT_DIM) throw errors.invalidArgument(`${FIELD}.input_dim`, `must be an integer from 1 to ${MAX_INPUT_DIM}, got ${inputDim}`);
  const hiddenUnits = [...(spec.hiddenUnits ?? [])];
  if (hiddenUnits.length > MAX_LAYERS) throw errors.invalidArgument(`${FIELD}.hidden_units`, `at most ${MAX_LAYERS} layers`);
  hiddenUnits.forEach((u, i) => {
    if (!Number.isSafeInteger(u) || u < 1 || u > MAX_UNITS) throw errors.invalidArgument(`${FIELD}.hidden_units[${i}]`, `must be an integer from 1 to ${MAX_UNITS}, got ${u}`);
  });
  // Proto enum values (ACTIVATION_UNSPECIFIED 0 → relu, RELU 1, GELU 2, TANH 3).
  const a = spec.activation ?? 0;
  if (a === 2) throw errors.invalidArgument(`${FIELD}.activation`, 'gelu cannot be exported to ONNX yet; use relu or tanh');
  if (a !== 0 && a !== 1 && a !== 3) throw errors.invalidArgument(`${FIELD}.activation`, `unknown activation ${a}`);
  // Dropout would draw from the run's PRNG; the MLP has none yet (exact resume first).
  if ((spec.dropout ?? 0) !== 0) throw errors.invalidArgument(`${FIELD}.dropout`, 'is not supported by the mlp yet; use 0');
  return { inputDim, hiddenUnits, activation: a === 3 ? 'tanh' : 'relu' };
}

/**
 * The features of one record: `inputDim` numbers as a JSON array, or `inputDim` little-endian
 * fp32 values (a table row or an embedding, as ingestion stores them).
 * @throws INVALID_ARGUMENT naming `architecture.mlp.input_dim` when the record holds neither.
 */
export function parseFeatureRecord(record: RecordInput, inputDim: number): Float32Array {
  const d = typeof record.data === 'string' ? Buffer.from(record.data) : record.data;
  const first = d.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x5b /* [ */) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length !== inputDim || !parsed.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw errors.invalidArgument(`${FIELD}.input_dim`, `a record does not hold a JSON array of ${inputDim} finite numbers`, { reason: 'BAD_TRAINING_RECORD' });
    }
    return Float32Array.from(parsed as number[]);
  }
  if (d.byteLength !== inputDim * 4) {
    throw errors.invalidArgument(`${FIELD}.input_dim`, `a record holds ${d.byteLength} bytes, not ${inputDim} fp32 values or a JSON array`, { reason: 'BAD_TRAINING_RECORD' });
  }
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return Float32Array.from({ length: inputDim }, (_, i) => view.getFloat32(i * 4, true));
}

/**
 * Dense layers over a feature vector, softmax cross-entropy, Glorot-uniform kernels drawn from
 * the run's seed (the same seed, the same start). Its weights are keyed like the layer names
 * LoRA targets and the resolve-spec step list (`hidden_<i>`, `logits`).
 *
 * Serving input: FP32 `features` `[batch, input_dim]`; output `probabilities` `[batch, classes]`.
 */
export function createMlp(config: MlpConfig, classNames: readonly string[], seed: number): BuiltModel<FeatureExample> {
  if (classNames.length < 2) throw errors.invalidArgument('architecture.class_names', 'a classifier needs at least 2 classes');
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const rng = createInitRandom(seed);
  const prefix = `mlp_${randomUUID().slice(0, 8)}`;
  const sizes = [config.inputDim, ...config.hiddenUnits, classNames.length];
  const names = [...config.hiddenUnits.map((_, i) => `hidden_${i}`), 'logits'];
  const weights: Record<string, tf.Variable> = {};
  const layers = names.map((name, i) => {
    const kernel = glorotKernel(rng, `${prefix}/${name}/kernel`, sizes[i] as number, sizes[i + 1] as number);
    const bias = zerosBias(`${prefix}/${name}/bias`, sizes[i + 1] as number);
    weights[`${name}.kernel`] = kernel;
    weights[`${name}.bias`] = bias;
    return { kernel, bias };
  });
  const logits = (x: tf.Tensor2D): tf.Tensor2D => {
    let h = x;
    layers.forEach((l, i) => {
      const z = tf.add(tf.matMul(h, l.kernel), l.bias) as tf.Tensor2D;
      h = i < layers.length - 1 ? (config.activation === 'tanh' ? tf.tanh(z) : tf.relu(z)) : z;
    });
    return h;
  };
  const batchOf = (batch: readonly FeatureExample[]): tf.Tensor2D => {
    const x = new Float32Array(batch.length * config.inputDim);
    batch.forEach((e, i) => x.set(e.features, i * config.inputDim));
    return tf.tensor2d(x, [batch.length, config.inputDim]);
  };
  const oneHot = (batch: readonly FeatureExample[]) => tf.oneHot(tf.tensor1d(batch.map((e) => e.label), 'int32'), classNames.length);
  return {
    kind: 'mlp',
    classNames: [...classNames],
    trainable: {
      weights,
      loss: (batch) => tf.losses.softmaxCrossEntropy(oneHot(batch), logits(batchOf(batch))) as tf.Scalar,
    },
    featurize(records, labelField = 'label') {
      return records.map((r) => ({ features: parseFeatureRecord(r, config.inputDim), label: labelIndex(r, labelField, classIndex) }));
    },
    evaluate(examples, batchSize = 1024) {
      return batchedClassificationMetrics(examples, batchSize, (batch) =>
        tf.tidy(() => {
          const out = logits(batchOf(batch));
          return { losses: tf.losses.softmaxCrossEntropy(oneHot(batch), out, undefined, undefined, tf.Reduction.NONE).dataSync(), predicted: tf.argMax(out, 1).dataSync() };
        }),
      );
    },
    exportSpec(): ExportModelSpec {
      return {
        inputShape: [config.inputDim],
        inputName: 'features',
        outputName: 'probabilities',
        classNames: [...classNames],
        layers: layers.map((l, i) => ({
          kind: 'dense' as const,
          kernel: Float32Array.from(l.kernel.dataSync()),
          bias: Float32Array.from(l.bias.dataSync()),
          inputSize: sizes[i] as number,
          units: sizes[i + 1] as number,
          activation: i < layers.length - 1 ? config.activation : ('softmax' as const),
        })),
      };
    },
    tags: () => ({ architecture: 'mlp' }),
    dispose() {
      for (const v of Object.values(weights)) v.dispose();
    },
  };
}
