import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { errors } from '@l1g1/kit';
import type { trainer } from '@l1g1/contracts';
import { ADAMW_DEFAULTS } from '../optim/adamw';
import type { ExportModelSpec, LayerSpec } from '../export/layer-spec';
import { DEFAULT_METADATA_FIELDS, featurizeRecord, HASHED_NGRAM_DEFAULTS, ID_PADDING, type PreprocessRecipe, preprocessTag, validateHashedNgramConfig } from '@l1g1/features';
import type { BuiltModel } from './built-model';
import { createInitRandom, glorotKernel, uniformValues, zerosBias } from './init';
import { classificationMetrics } from './metrics';
import { labelIndex, type RecordInput } from './record-input';
import type { SparseAdamW } from './sparse-adamw';
import { createSparseEmbedding, type LocalBag } from './sparse-embedding';

/** One training example: the text's hashed n-gram ids (ragged) and its class index. */
export interface TextExample {
  ids: readonly number[];
  label: number;
}

/**
 * The text classifier's settings after defaults (TextClassifierSpec with HASHED_NGRAMS): the
 * featurizer's recipe (@l1g1/features, stored as the `preprocess` tag) and the network's shape.
 */
export interface TextClassifierConfig extends PreprocessRecipe {
  /** Width of the embedding bag (the mean of the n-grams' rows); default 64. */
  embeddingDim: number;
  /** ReLU layers of the head; empty: a linear head (fastText). */
  hiddenUnits: number[];
  dropout: number;
}

const FIELD = 'architecture.text_classifier';

/** TextClassifierSpec → validated config; INVALID_ARGUMENT naming the field otherwise. */
export function textClassifierConfig(spec: Partial<trainer.TextClassifierSpec>): TextClassifierConfig {
  if (spec.features === 2 /* TEXT_FEATURES_EMBEDDINGS */) {
    throw errors.invalidArgument(`${FIELD}.features`, 'only HASHED_NGRAMS is implemented');
  }
  if (spec.multiLabel === true) throw errors.invalidArgument(`${FIELD}.multi_label`, 'multi-label heads are not implemented');
  const config: TextClassifierConfig = {
    vocabSize: spec.vocabSize || HASHED_NGRAM_DEFAULTS.vocabSize,
    wordNgramMax: spec.wordNgramMax || (spec.charNgramMax ? 0 : HASHED_NGRAM_DEFAULTS.wordNgramMax),
    charNgramMin: spec.charNgramMin ?? 0,
    charNgramMax: spec.charNgramMax ?? 0,
    lowercase: spec.lowercase ?? HASHED_NGRAM_DEFAULTS.lowercase,
    maxTokens: spec.maxTokens || HASHED_NGRAM_DEFAULTS.maxTokens,
    embeddingDim: spec.embeddingDim || 64,
    hiddenUnits: [...(spec.hiddenUnits ?? [])],
    dropout: spec.dropout ?? 0,
    metadataFields: [...DEFAULT_METADATA_FIELDS],
  };
  validateHashedNgramConfig(config, FIELD);
  if (!Number.isSafeInteger(config.embeddingDim) || config.embeddingDim < 1 || config.embeddingDim > 4096) {
    throw errors.invalidArgument(`${FIELD}.embedding_dim`, `must be in [1, 4096], got ${config.embeddingDim}`);
  }
  if (config.vocabSize * config.embeddingDim > 1 << 26) {
    throw errors.invalidArgument(`${FIELD}.vocab_size`, `vocab_size × embedding_dim must be ≤ 2^26 (256 MiB of weights), got ${config.vocabSize * config.embeddingDim}`);
  }
  config.hiddenUnits.forEach((u, i) => {
    if (!Number.isSafeInteger(u) || u < 1 || u > 8192) throw errors.invalidArgument(`${FIELD}.hidden_units[${i}]`, `must be in [1, 8192], got ${u}`);
  });
  if (!(config.dropout >= 0 && config.dropout < 1)) throw errors.invalidArgument(`${FIELD}.dropout`, `must be in [0, 1), got ${config.dropout}`);
  return config;
}

/**
 * Hashed n-gram text classifier: text → hashed word/char n-gram ids (@l1g1/features' `featurizeRecord`) →
 * embedding bag (mean of the ids' rows) → optional ReLU layers → softmax. fastText's recipe
 * with a hashing trick, so there is no vocabulary to fit or ship.
 *
 * Sparse: an example is its list of ids, never a vocabulary-wide row; the embedding table is
 * updated row-sparse (see `createSparseEmbedding`): per step only the rows the batch read get a
 * gradient, moments and weight decay.
 *
 * Serving input (the ONNX model's `ngram_ids`): INT64 `[batch, max_ids]`, each row the ids of
 * one text in the order `featurizeRecord` gives them, padded with -1 (`padIdLists`); the
 * output `probabilities` is `[batch, classes]`. The recipe is the `preprocess` tag.
 */
export function createTextClassifier(
  config: TextClassifierConfig,
  classNames: readonly string[],
  seed: number,
  optimizer: SparseAdamW = ADAMW_DEFAULTS,
): BuiltModel<TextExample> {
  if (classNames.length < 2) throw errors.invalidArgument('architecture.class_names', 'a classifier needs at least 2 classes');
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const rng = createInitRandom(seed);
  const prefix = `text_classifier_${randomUUID().slice(0, 8)}`;
  const dim = config.embeddingDim;
  // fastText's init: uniform ±1/dim.
  const embedding = createSparseEmbedding(`${prefix}/embedding`, uniformValues(rng, config.vocabSize * dim, 1 / dim), config.vocabSize, dim, optimizer);
  const dense: { kernel: tf.Variable; bias: tf.Variable; inputs: number; units: number }[] = [];
  let width = dim;
  [...config.hiddenUnits, classNames.length].forEach((units, i) => {
    dense.push({ kernel: glorotKernel(rng, `${prefix}/dense_${i}/kernel`, width, units), bias: zerosBias(`${prefix}/dense_${i}/bias`, units), inputs: width, units });
    width = units;
  });
  const weights: Record<string, tf.Variable> = { ...embedding.weights };
  dense.forEach((d, i) => {
    weights[`dense_${i}/kernel`] = d.kernel;
    weights[`dense_${i}/bias`] = d.bias;
  });

  /**
   * Logits from the bags: `bagWeights` `[batch, n]` (an id's count over the text's n-gram
   * count: row b's mean) times `rows` `[n, dim]`, the distinct rows the batch reads. A matmul,
   * not a gather: its gradient is a matmul too, where a gather's is an UnsortedSegmentSum
   * (quadratic on tfjs's cpu backend). Equal to the exported graph's masked mean over the
   * padded id matrix.
   */
  const logits = (bagWeights: tf.Tensor2D, rows: tf.Tensor2D, dropoutSeed?: number): tf.Tensor2D => {
    let x: tf.Tensor2D = tf.matMul(bagWeights, rows);
    dense.forEach((d, i) => {
      if (dropoutSeed !== undefined && config.dropout > 0) x = tf.dropout(x, config.dropout, undefined, dropoutSeed + i) as tf.Tensor2D;
      x = tf.add(tf.matMul(x, d.kernel), d.bias) as tf.Tensor2D;
      if (i < dense.length - 1) x = tf.relu(x) as tf.Tensor2D;
    });
    return x;
  };

  /** `[batch, n]` mean weights of each example's bag over the `n` distinct rows. */
  const bagMatrix = (bags: readonly LocalBag[], n: number): tf.Tensor2D => {
    const w = new Float32Array(bags.length * n);
    bags.forEach((bag, b) => {
      const total = bag.counts.reduce((x, y) => x + y, 0);
      bag.rows.forEach((r, k) => (w[b * n + r] = (bag.counts[k] as number) / total));
    });
    return tf.tensor2d(w, [bags.length, n]);
  };

  const model: BuiltModel<TextExample> = {
    kind: 'text_classifier',
    classNames: [...classNames],
    trainable: {
      weights,
      sparse: embedding.sparse<TextExample>((e) => e.ids),
      loss(batch, { rng: stepRng }) {
        const rows = embedding.batchRows();
        const out = logits(bagMatrix(embedding.localBags(), rows.shape[0]), rows, config.dropout > 0 ? stepRng.nextInt(2 ** 31) : undefined);
        const labels = tf.oneHot(tf.tensor1d(batch.map((e) => e.label), 'int32'), classNames.length);
        return tf.losses.softmaxCrossEntropy(labels, out) as tf.Scalar;
      },
    },
    featurize(records: readonly RecordInput[], labelField = 'label') {
      return records.map((r) => ({ ids: featurizeRecord(r, config), label: labelIndex(r, labelField, classIndex) }));
    },
    evaluate(examples, batchSize = 256) {
      const truth: number[] = [];
      const predicted: number[] = [];
      let lossSum = 0;
      for (let start = 0; start < examples.length; start += batchSize) {
        const batch = examples.slice(start, start + batchSize);
        const [losses, argmax] = tf.tidy(() => {
          const { unique, bags } = embedding.bagsOf(batch.map((e) => e.ids));
          const out = logits(bagMatrix(bags, unique.length), embedding.rowsOf(unique));
          const labels = tf.oneHot(tf.tensor1d(batch.map((e) => e.label), 'int32'), classNames.length);
          const perExample = tf.losses.softmaxCrossEntropy(labels, out, undefined, undefined, tf.Reduction.NONE);
          return [perExample.dataSync(), tf.argMax(out, 1).dataSync()];
        });
        batch.forEach((e, i) => {
          truth.push(e.label);
          predicted.push(argmax[i] as number);
          lossSum += losses[i] as number;
        });
      }
      return classificationMetrics(truth, predicted, lossSum);
    },
    exportSpec(): ExportModelSpec {
      const layers: LayerSpec[] = [{ kind: 'embedding_bag', table: embedding.values.slice(), vocabularySize: config.vocabSize, dim, combiner: 'mean' }];
      dense.forEach((d, i) => {
        layers.push({
          kind: 'dense',
          kernel: d.kernel.dataSync() as Float32Array,
          bias: d.bias.dataSync() as Float32Array,
          inputSize: d.inputs,
          units: d.units,
          activation: i < dense.length - 1 ? 'relu' : 'softmax',
        });
      });
      return { inputShape: [-1], inputName: 'ngram_ids', outputName: 'probabilities', classNames: [...classNames], layers };
    },
    tags() {
      return { preprocess: preprocessTag(config), architecture: 'text_classifier' };
    },
    dispose() {
      embedding.dispose();
      for (const d of dense) {
        d.kernel.dispose();
        d.bias.dispose();
      }
    },
  };
  return model;
}

/** The padding id of the serving input, re-exported for clients. */
export const TEXT_CLASSIFIER_PADDING = ID_PADDING;
