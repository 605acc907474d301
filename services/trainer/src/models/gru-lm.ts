import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { buildLmVocabulary, encodeLmTokens, lmRecipeTag, lmStreamTexts, type LmTokenLevel, type LmVocabulary } from '@l1g1/features';
import { errors } from '@l1g1/kit';
import type { trainer } from '@l1g1/contracts';
import type { ExportModelSpec, LayerSpec } from '../export/layer-spec';
import { evaluateInBatches } from './batched-evaluation';
import type { BuiltModel } from './built-model';
import { createInitRandom, glorotKernel, uniformValues, zerosBias } from './init';
import type { ClassificationMetrics } from './metrics';
import { recordText, type RecordInput } from './record-input';

/** One training window: `seqLen + 1` token ids; inputs are `[0, seqLen)`, targets `[1, seqLen]`. */
export type TokenWindow = Int32Array;

/** The language model's settings after defaults (GruSpec with `language_model`). */
export interface GruLmConfig {
  level: LmTokenLevel;
  /** Vocabulary size including `<unk>`. */
  maxVocab: number;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  /** Tokens per training window (GruSpec `max_steps`). */
  seqLen: number;
  /** On the GRU's outputs before the softmax layer, in training only. */
  dropout: number;
}

/** Evaluation of a language model: next-token loss (nats), perplexity = e^loss, next-token accuracy. */
export interface LanguageModelMetrics extends ClassificationMetrics {
  perplexity: number;
}

/** A built language model: its evaluation adds `perplexity`; `probabilities` is the tfjs reference of the export. */
export interface GruLmModel extends BuiltModel<TokenWindow> {
  evaluate(examples: readonly TokenWindow[], batchSize?: number): LanguageModelMetrics;
  /** Next-token distributions `[windows, seqLen, vocab]`, row-major, no dropout. */
  probabilities(examples: readonly TokenWindow[]): Float32Array;
}

const FIELD = 'architecture.gru';

function inRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw errors.invalidArgument(field, `must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

/**
 * GruSpec (with `language_model`) → validated config; 0 takes the documented default.
 * @throws INVALID_ARGUMENT naming the field (`architecture.gru.max_steps`).
 */
export function gruLmConfig(spec: Partial<trainer.GruSpec>): GruLmConfig {
  const lm = spec.languageModel ?? { level: 0, maxVocab: 0, embeddingDim: 0 };
  if (lm.level !== 0 && lm.level !== 1 && lm.level !== 2) throw errors.invalidArgument(`${FIELD}.language_model.level`, 'must be CHAR or WORD');
  const level: LmTokenLevel = lm.level === 2 ? 'word' : 'char';
  if (spec.bidirectional === true) throw errors.invalidArgument(`${FIELD}.bidirectional`, 'a language model reads left to right; it cannot be bidirectional');
  const dropout = spec.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1)) throw errors.invalidArgument(`${FIELD}.dropout`, `must be in [0, 1), got ${dropout}`);
  const config: GruLmConfig = {
    level,
    maxVocab: inRange(`${FIELD}.language_model.max_vocab`, lm.maxVocab || (level === 'char' ? 128 : 10000), 2, 100_000),
    embeddingDim: inRange(`${FIELD}.language_model.embedding_dim`, lm.embeddingDim || 32, 1, 4096),
    hiddenSize: inRange(`${FIELD}.hidden_size`, spec.hiddenSize || 128, 1, 4096),
    numLayers: inRange(`${FIELD}.num_layers`, spec.numLayers || 1, 1, 4),
    seqLen: inRange(`${FIELD}.max_steps`, spec.maxSteps || 64, 1, 4096),
    dropout,
  };
  if (config.maxVocab * Math.max(config.embeddingDim, config.hiddenSize) > 1 << 26) {
    throw errors.invalidArgument(`${FIELD}.language_model.max_vocab`, 'max_vocab × max(embedding_dim, hidden_size) must be ≤ 2^26 weights');
  }
  return config;
}

interface GruLayer {
  /** `[in, 3·H]`, gates z, r, h (Keras order). */
  kernel: tf.Variable;
  /** `[H, 3·H]`. */
  recurrentKernel: tf.Variable;
  inputBias: tf.Variable;
  recurrentBias: tf.Variable;
  inputs: number;
}

interface LmWeights {
  embedding: tf.Variable;
  layers: GruLayer[];
  outKernel: tf.Variable;
  outBias: tf.Variable;
}

/**
 * Next-token GRU language model: token ids → embedding → GRU layer(s) → dense softmax over the
 * vocabulary at every step. The GRU is Keras's with `resetAfter` (ONNX `linear_before_reset=1`):
 * `z, r = σ(x·W + b + h·U + b')`, `h̃ = tanh(x·Wh + bh + r ⊙ (h·Uh + b'h))`, `h = z ⊙ h + (1 − z) ⊙ h̃`.
 *
 * Records: each record's payload is text; the records are read in order as one token stream
 * cut into windows of `seqLen + 1` tokens (stride `seqLen`, so every token but the first is a
 * target once); a shorter tail is dropped. The vocabulary is fitted by the FIRST `featurize`
 * call (the training records) and fixes the embedding and softmax sizes, so the weights exist
 * from then on: featurize the training split before training or validating.
 *
 * Serving (the ONNX model): input `token_ids` INT64 `[batch, time]` (ids of the `preprocess`
 * tag's `vocabulary`, unknown tokens → 0), output `probabilities` FP32 `[batch, time, vocab]`,
 * the distribution of the token after each position; `class_names` is the vocabulary.
 */
export function createGruLm(config: GruLmConfig, seed: number): GruLmModel {
  const prefix = `gru_lm_${randomUUID().slice(0, 8)}`;
  const H = config.hiddenSize;
  const weights: Record<string, tf.Variable> = {};
  let vocabulary: LmVocabulary | undefined;
  let w: LmWeights | undefined;

  /** Seeded weights sized by the fitted vocabulary. */
  const createWeights = (V: number): LmWeights => {
    const rng = createInitRandom(seed);
    const E = config.embeddingDim;
    const embedding = tf.variable(tf.tensor2d(uniformValues(rng, V * E, 0.05), [V, E]), true, `${prefix}/embedding`);
    weights.embedding = embedding;
    const layers: GruLayer[] = [];
    let inputs = E;
    for (let l = 0; l < config.numLayers; l++) {
      const layer = {
        kernel: glorotKernel(rng, `${prefix}/gru_${l}/kernel`, inputs, 3 * H),
        recurrentKernel: glorotKernel(rng, `${prefix}/gru_${l}/recurrent_kernel`, H, 3 * H),
        inputBias: zerosBias(`${prefix}/gru_${l}/input_bias`, 3 * H),
        recurrentBias: zerosBias(`${prefix}/gru_${l}/recurrent_bias`, 3 * H),
        inputs,
      };
      weights[`gru_${l}/kernel`] = layer.kernel;
      weights[`gru_${l}/recurrent_kernel`] = layer.recurrentKernel;
      weights[`gru_${l}/input_bias`] = layer.inputBias;
      weights[`gru_${l}/recurrent_bias`] = layer.recurrentBias;
      layers.push(layer);
      inputs = H;
    }
    const outKernel = glorotKernel(rng, `${prefix}/dense/kernel`, H, V);
    const outBias = zerosBias(`${prefix}/dense/bias`, V);
    weights['dense/kernel'] = outKernel;
    weights['dense/bias'] = outBias;
    return { embedding, layers, outKernel, outBias };
  };

  const fitted = (): { vocab: LmVocabulary; lm: LmWeights } => {
    if (vocabulary === undefined || w === undefined) throw errors.failedPrecondition('the language model has no vocabulary yet: featurize the training records first');
    return { vocab: vocabulary, lm: w };
  };

  /** `[batch·T, V]` logits and `[batch·T]` targets of a batch of windows. */
  const forward = (batch: readonly TokenWindow[], dropoutSeed?: number): { logits: tf.Tensor2D; targets: tf.Tensor1D } => {
    const { lm } = fitted();
    const T = config.seqLen;
    const b = batch.length;
    const inputs = new Int32Array(b * T);
    const targets = new Int32Array(b * T);
    batch.forEach((e, i) => {
      inputs.set(e.subarray(0, T), i * T);
      targets.set(e.subarray(1, T + 1), i * T);
    });
    // [b·T, E], batch-major like the targets
    let x: tf.Tensor2D = tf.gather(lm.embedding, tf.tensor1d(inputs, 'int32')) as tf.Tensor2D;
    for (const layer of lm.layers) {
      // The input projection of every step in one matmul; only h·U stays in the time loop.
      const xProj = tf.reshape(tf.add(tf.matMul(x, layer.kernel), layer.inputBias), [b, T, 3 * H]);
      const [xz, xr, xh] = tf.split(xProj, 3, 2).map((g) => tf.unstack(g, 1)) as [tf.Tensor2D[], tf.Tensor2D[], tf.Tensor2D[]];
      let h: tf.Tensor2D = tf.zeros([b, H]);
      const states: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const [hz, hr, hh] = tf.split(tf.add(tf.matMul(h, layer.recurrentKernel), layer.recurrentBias), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const z = tf.sigmoid(tf.add(xz[t] as tf.Tensor2D, hz));
        const r = tf.sigmoid(tf.add(xr[t] as tf.Tensor2D, hr));
        const candidate = tf.tanh(tf.add(xh[t] as tf.Tensor2D, tf.mul(r, hh)));
        h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), candidate)) as tf.Tensor2D;
        states.push(h);
      }
      x = tf.reshape(tf.stack(states, 1), [b * T, H]) as tf.Tensor2D;
    }
    if (dropoutSeed !== undefined && config.dropout > 0) x = tf.dropout(x, config.dropout, undefined, dropoutSeed) as tf.Tensor2D;
    return { logits: tf.add(tf.matMul(x, lm.outKernel), lm.outBias) as tf.Tensor2D, targets: tf.tensor1d(targets, 'int32') };
  };

  const model: GruLmModel = {
    kind: 'gru_lm',
    get classNames() {
      return vocabulary === undefined ? [] : [...vocabulary.tokens];
    },
    trainable: {
      weights,
      loss(batch, { rng: stepRng }) {
        const { logits, targets } = forward(batch, config.dropout > 0 ? stepRng.nextInt(2 ** 31) : undefined);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(targets, logits.shape[1]), logits) as tf.Scalar;
      },
    },
    /** Records' text → windows; the first call fits the vocabulary (see above). The label field is unused. */
    featurize(records: readonly RecordInput[]) {
      // Records in order as one stream (the evaluator rebuilds the same stream from the tag).
      const texts = lmStreamTexts(records.map(recordText), config.level);
      const vocab = vocabulary ?? buildLmVocabulary(texts, config.level, config.maxVocab);
      const stream = Int32Array.from(texts.flatMap((text) => encodeLmTokens(vocab, text)));
      const windows: TokenWindow[] = [];
      for (let start = 0; start + config.seqLen < stream.length; start += config.seqLen) windows.push(stream.slice(start, start + config.seqLen + 1));
      if (vocabulary === undefined) {
        // Fitting: nothing to learn from is the caller's mistake, said before any weight exists.
        if (windows.length === 0) {
          throw errors.invalidArgument(`${FIELD}.max_steps`, `the training records hold ${stream.length} tokens, fewer than max_steps + 1 (${config.seqLen + 1}): lower max_steps or add text`);
        }
        vocabulary = vocab;
        w = createWeights(vocab.tokens.length);
      }
      return windows;
    },
    evaluate(examples, batchSize = 64): LanguageModelMetrics {
      // Per predicted token: `examples` counts target tokens, not windows.
      const metrics = evaluateInBatches(examples, batchSize, (batch) => forward(batch));
      return { ...metrics, perplexity: Math.exp(metrics.loss) };
    },
    probabilities(examples) {
      return tf.tidy(() => Float32Array.from(tf.softmax(forward(examples).logits).dataSync()));
    },
    exportSpec(): ExportModelSpec {
      const { vocab, lm } = fitted();
      const V = vocab.tokens.length;
      const layers: LayerSpec[] = [{ kind: 'embedding', table: lm.embedding.dataSync() as Float32Array, vocabularySize: V, dim: config.embeddingDim }];
      for (const layer of lm.layers) {
        const bias = new Float32Array(6 * H);
        bias.set(layer.inputBias.dataSync() as Float32Array, 0);
        bias.set(layer.recurrentBias.dataSync() as Float32Array, 3 * H);
        layers.push({
          kind: 'gru',
          inputSize: layer.inputs,
          units: H,
          resetAfter: true,
          returnSequences: true,
          activation: 'tanh',
          recurrentActivation: 'sigmoid',
          forward: { kernel: layer.kernel.dataSync() as Float32Array, recurrentKernel: layer.recurrentKernel.dataSync() as Float32Array, bias },
        });
      }
      layers.push({ kind: 'dense', kernel: lm.outKernel.dataSync() as Float32Array, bias: lm.outBias.dataSync() as Float32Array, inputSize: H, units: V, activation: 'softmax' });
      return { inputShape: [-1], inputName: 'token_ids', outputName: 'probabilities', classNames: [...vocab.tokens], layers };
    },
    tags() {
      const { vocab } = fitted();
      return {
        preprocess: lmRecipeTag({ vocabulary: vocab, seqLen: config.seqLen }),
        architecture: 'gru_lm',
      };
    },
    dispose() {
      for (const v of Object.values(weights)) v.dispose();
    },
  };
  return model;
}
