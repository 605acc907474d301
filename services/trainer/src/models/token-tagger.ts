import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { entitySpans, iob2TagNames, iob2Tags, OUTSIDE_TAG, TOKEN_IDS_RECIPE, tokenIds, tokenIdsPreprocessTag, tokenize } from '@l1g1/features';
import { errors } from '@l1g1/kit';
import type { trainer } from '@l1g1/contracts';
import { ADAMW_DEFAULTS } from '../optim/adamw';
import type { ExportModelSpec, LayerSpec } from '../export/layer-spec';
import type { BuiltModel } from './built-model';
import { createInitRandom, glorotKernel, uniformValues, zerosBias } from './init';
import { type ClassificationMetrics, classificationMetrics } from './metrics';
import { recordText, type RecordInput } from './record-input';
import type { SparseAdamW } from './sparse-adamw';
import { createSparseEmbedding } from './sparse-embedding';
import { createGruDirection, type GruDirection, maskedGru } from './token-tagger-gru';
import { type EntityScores, entityScores } from './token-tagger-metrics';

/** One sentence: its token ids and one tag index per token (same length). */
export interface TaggedExample {
  ids: readonly number[];
  tags: readonly number[];
}

/** What the tagger's `evaluate` reports: token-level loss/accuracy/macro-F1 plus entity scores. */
export type TokenTaggerMetrics = ClassificationMetrics & EntityScores & { tokens: number };

/** The tagger as `createModel` builds it, plus the tfjs forward pass the export must match. */
export interface TokenTagger extends BuiltModel<TaggedExample> {
  /** Token-level loss, accuracy and macro-F1 over tags, entity precision/recall/F1; `examples` counts sentences. */
  evaluate(examples: readonly TaggedExample[], batchSize?: number): TokenTaggerMetrics;
  /**
   * Tag probabilities of a right-padded batch, as the exported model computes them: `data`
   * row-major `[rows, time, tags]`, `time` the longest list (at least 1).
   */
  tagProbabilities(idLists: readonly (readonly number[])[]): { data: Float32Array; dims: [number, number, number] };
}

/** TokenTaggerSpec after defaults. */
export interface TokenTaggerConfig {
  vocabSize: number;
  embeddingDim: number;
  /** Units per direction of each BiGRU layer. */
  hiddenSize: number;
  numLayers: number;
  maxTokens: number;
  dropout: number;
}

const FIELD = 'spec.architecture.token_tagger';

/** The name of the `preprocess` recipe the tagger's serving input follows. */
export const TOKEN_TAGGER_RECIPE = TOKEN_IDS_RECIPE;

function intIn(field: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw errors.invalidArgument(`${FIELD}.${field}`, `must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/**
 * TokenTaggerSpec → validated config (0 = the proto's documented default, as proto3 cannot tell
 * unset from 0). @throws INVALID_ARGUMENT naming `spec.architecture.token_tagger.<field>`.
 */
export function tokenTaggerConfig(spec: Partial<trainer.TokenTaggerSpec>): TokenTaggerConfig {
  const config: TokenTaggerConfig = {
    vocabSize: spec.vocabSize || 30_000,
    embeddingDim: spec.embeddingDim || 100,
    hiddenSize: spec.hiddenSize || 128,
    numLayers: spec.numLayers || 1,
    maxTokens: spec.maxTokens || 256,
    dropout: spec.dropout ?? 0,
  };
  if (spec.charEmbeddingDim) throw errors.invalidArgument(`${FIELD}.char_embedding_dim`, 'character-level CNN features are not implemented; leave it 0');
  const scheme = spec.tagScheme ?? 0;
  if (scheme === 2) throw errors.invalidArgument(`${FIELD}.tag_scheme`, 'only IOB2 is implemented');
  if (scheme !== 0 && scheme !== 1) throw errors.invalidArgument(`${FIELD}.tag_scheme`, `unknown tag scheme ${String(scheme)} (TAG_SCHEME_IOB2)`);
  intIn('vocab_size', config.vocabSize, 2, 1 << 22);
  intIn('embedding_dim', config.embeddingDim, 1, 1024);
  intIn('hidden_size', config.hiddenSize, 1, 1024);
  intIn('num_layers', config.numLayers, 1, 4);
  intIn('max_tokens', config.maxTokens, 1, 4096);
  if (config.vocabSize * config.embeddingDim > 1 << 26) {
    throw errors.invalidArgument(`${FIELD}.vocab_size`, `vocab_size × embedding_dim must be ≤ 2^26 (256 MiB of weights), got ${config.vocabSize * config.embeddingDim}`);
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) throw errors.invalidArgument(`${FIELD}.dropout`, `must be in [0, 1), got ${config.dropout}`);
  return config;
}

/**
 * The tag list from `classNames`: either the full IOB2 list (`O`, `B-PER`, `I-PER`, ...: kept in
 * its order, as a registered model's class names are) or entity types (`PER`, ...), expanded to
 * `O, B-T, I-T` per type in the given order. Empty: derive the types with `entityTypesOf`.
 * @throws INVALID_ARGUMENT naming `spec.architecture.class_names`.
 */
export function tokenTaggerTagNames(classNames: readonly string[]): string[] {
  const field = 'spec.architecture.class_names';
  if (classNames.length === 0) throw errors.invalidArgument(field, 'a token tagger needs at least one entity type');
  if (new Set(classNames).size !== classNames.length) throw errors.invalidArgument(field, 'class names must be distinct');
  const isTagList = classNames.includes(OUTSIDE_TAG) && classNames.every((c) => c === OUTSIDE_TAG || /^[BI]-\S+$/.test(c));
  if (!isTagList) {
    if (classNames.some((c) => c === OUTSIDE_TAG || /\s/.test(c))) throw errors.invalidArgument(field, `entity types must not be "${OUTSIDE_TAG}" nor hold spaces`);
    return iob2TagNames(classNames);
  }
  for (const c of classNames) {
    if (c === OUTSIDE_TAG) continue;
    const partner = `${c.startsWith('B-') ? 'I' : 'B'}-${c.slice(2)}`;
    if (!classNames.includes(partner)) throw errors.invalidArgument(field, `the IOB2 tag list has ${c} without ${partner}`);
  }
  if (classNames.length < 3) throw errors.invalidArgument(field, 'a token tagger needs at least one entity type');
  return [...classNames];
}

/** Right-padded `[rows, time]` layout of a batch: each id's row in `unique` (-1 for padding), and the mask. */
function layout(batch: readonly TaggedExample[], unique: readonly number[]): { positions: Int32Array; mask: Float32Array; time: number } {
  const row = new Map(unique.map((id, i) => [id, i]));
  const time = Math.max(1, ...batch.map((e) => e.ids.length));
  const positions = new Int32Array(batch.length * time).fill(-1);
  const mask = new Float32Array(batch.length * time);
  batch.forEach((e, b) =>
    e.ids.forEach((id, t) => {
      positions[b * time + t] = row.get(id) as number;
      mask[b * time + t] = 1;
    }),
  );
  return { positions, mask, time };
}

/**
 * Token tagger for entities: tokens ({@link tokenize}) → hashed ids ({@link tokenIds}) →
 * embeddings → `numLayers` bidirectional GRUs (concat) → per-token softmax over IOB2 tags.
 *
 * The embedding table is row-sparse (`createSparseEmbedding`): a step reads, differentiates
 * and updates only the rows of the batch's tokens. The loss is the mean cross-entropy over
 * real tokens; padding is masked out of the loss and of the GRUs (see {@link maskedGru}).
 *
 * Serving: input `token_ids` INT64 `[batch, max_tokens_in_batch]`, each row a text's token ids
 * padded on the right with -1; output `tag_probabilities` FP32 `[batch, time, tags]`, the
 * tags in the order of the `class_names` metadata. Read each row up to its token count.
 */
export function createTokenTagger(
  config: TokenTaggerConfig,
  classNames: readonly string[],
  seed: number,
  optimizer: SparseAdamW = ADAMW_DEFAULTS,
): TokenTagger {
  const tagNames = tokenTaggerTagNames(classNames);
  const tagIndex = new Map(tagNames.map((t, i) => [t, i]));
  const rng = createInitRandom(seed);
  const prefix = `token_tagger_${randomUUID().slice(0, 8)}`;
  const dim = config.embeddingDim;
  const units = config.hiddenSize;
  // Keras's Embedding init, uniform ±0.05.
  const embedding = createSparseEmbedding(`${prefix}/embedding`, uniformValues(rng, config.vocabSize * dim, 0.05), config.vocabSize, dim, optimizer);
  const layers: { forward: GruDirection; backward: GruDirection; inputs: number }[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    const inputs = l === 0 ? dim : 2 * units;
    layers.push({ inputs, forward: createGruDirection(rng, `${prefix}/gru_${l}/forward`, inputs, units), backward: createGruDirection(rng, `${prefix}/gru_${l}/backward`, inputs, units) });
  }
  const output = { kernel: glorotKernel(rng, `${prefix}/output/kernel`, 2 * units, tagNames.length), bias: zerosBias(`${prefix}/output/bias`, tagNames.length) };
  const weights: Record<string, tf.Variable> = { ...embedding.weights, 'output/kernel': output.kernel, 'output/bias': output.bias };
  layers.forEach((layer, l) => {
    for (const [direction, w] of [['forward', layer.forward], ['backward', layer.backward]] as const) {
      weights[`gru_${l}/${direction}/kernel`] = w.kernel;
      weights[`gru_${l}/${direction}/recurrent_kernel`] = w.recurrentKernel;
      weights[`gru_${l}/${direction}/bias`] = w.bias;
    }
  });

  /**
   * `[rows·time, tags]` logits. The embedding lookup is a one-hot matmul against the batch's
   * rows, not a gather: its gradient is a matmul too, where a gather's is an UnsortedSegmentSum.
   */
  const logits = (batch: readonly TaggedExample[], unique: readonly number[], rows: tf.Tensor2D, dropoutSeed?: number): { out: tf.Tensor2D; mask: tf.Tensor2D } => {
    const { positions, mask: maskValues, time } = layout(batch, unique);
    const mask = tf.tensor2d(maskValues, [batch.length, time]);
    const drop = (x: tf.Tensor3D, k: number): tf.Tensor3D =>
      dropoutSeed !== undefined && config.dropout > 0 ? (tf.dropout(x, config.dropout, undefined, dropoutSeed + k) as tf.Tensor3D) : x;
    // oneHot needs a depth ≥ 2: a batch of one distinct token reads an extra zero row.
    const table = rows.shape[0] > 1 ? rows : tf.concat([rows, tf.zeros([1, dim])]);
    const embedded = tf.matMul(tf.oneHot(tf.tensor1d(positions, 'int32'), table.shape[0]), table);
    let x = drop(tf.reshape(embedded, [batch.length, time, dim]), 0);
    layers.forEach((layer) => {
      x = tf.concat([maskedGru(x, mask, layer.forward, units, false), maskedGru(x, mask, layer.backward, units, true)], 2);
    });
    x = drop(x, 1);
    const out = tf.add(tf.matMul(tf.reshape(x, [batch.length * time, 2 * units]), output.kernel), output.bias) as tf.Tensor2D;
    return { out, mask: tf.reshape(mask, [batch.length * time, 1]) };
  };

  /** Per-token cross-entropy `[rows·time]`, 0 on padding. */
  const tokenLosses = (batch: readonly TaggedExample[], out: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D => {
    const time = out.shape[0] / batch.length;
    const labels = new Int32Array(out.shape[0]).fill(-1);
    batch.forEach((e, b) => e.tags.forEach((tag, t) => (labels[b * time + t] = tag)));
    // oneHot of -1 is a zero row: padded tokens add nothing.
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), tagNames.length);
    return tf.neg(tf.sum(tf.mul(tf.mul(oneHot, tf.logSoftmax(out)), mask), 1)) as tf.Tensor1D;
  };

  const model: TokenTagger = {
    kind: 'token_tagger',
    classNames: tagNames,
    trainable: {
      weights,
      sparse: embedding.sparse<TaggedExample>((e) => e.ids),
      loss(batch, { rng: stepRng }) {
        // The same renumbering the sparse gather made (bagsOf is deterministic).
        const { unique } = embedding.bagsOf(batch.map((e) => e.ids));
        const { out, mask } = logits(batch, unique, embedding.batchRows(), config.dropout > 0 ? stepRng.nextInt(2 ** 31) : undefined);
        const count = Math.max(1, batch.reduce((n, e) => n + e.ids.length, 0));
        return tf.div(tf.sum(tokenLosses(batch, out, mask)), count) as tf.Scalar;
      },
    },
    featurize(records: readonly RecordInput[], labelField = 'label') {
      return records.map((record, i) => {
        const text = recordText(record);
        const tokens = tokenize(text, config.maxTokens);
        const tags = iob2Tags(tokens, entitySpans(record, labelField, [...text].length, i)).map((tag) => {
          const index = tagIndex.get(tag);
          if (index === undefined) {
            throw errors.invalidArgument('data.label_field', `record ${record.id ?? `#${i}`}: entity type "${tag.slice(2)}" is not among the class names`, { reason: 'UNKNOWN_LABEL' });
          }
          return index;
        });
        return { ids: tokenIds(tokens, config.vocabSize), tags };
      });
    },
    evaluate(examples, batchSize = 64): TokenTaggerMetrics {
      const truth: number[] = [];
      const predicted: number[] = [];
      const goldTags: string[][] = [];
      const predictedTags: string[][] = [];
      let lossSum = 0;
      for (let start = 0; start < examples.length; start += batchSize) {
        const batch = examples.slice(start, start + batchSize);
        const [losses, argmax, time] = tf.tidy(() => {
          const { unique } = embedding.bagsOf(batch.map((e) => e.ids));
          const { out, mask } = logits(batch, unique, embedding.rowsOf(unique));
          return [tokenLosses(batch, out, mask).dataSync(), tf.argMax(out, 1).dataSync(), out.shape[0] / batch.length] as const;
        });
        batch.forEach((e, b) => {
          const p = e.ids.map((_, t) => argmax[b * time + t] as number);
          e.tags.forEach((tag, t) => {
            truth.push(tag);
            predicted.push(p[t] as number);
            lossSum += losses[b * time + t] as number;
          });
          goldTags.push(e.tags.map((tag) => tagNames[tag] as string));
          predictedTags.push(p.map((tag) => tagNames[tag] as string));
        });
      }
      // Token-level loss, accuracy and macro-F1 over tags; `examples` counts sentences.
      const tokenMetrics = classificationMetrics(truth, predicted, lossSum);
      return { ...tokenMetrics, examples: examples.length, tokens: truth.length, ...entityScores(goldTags, predictedTags) };
    },
    tagProbabilities(idLists) {
      const batch = idLists.map((ids) => ({ ids, tags: [] }));
      return tf.tidy(() => {
        const { unique } = embedding.bagsOf(idLists);
        const { out } = logits(batch, unique, embedding.rowsOf(unique));
        const time = out.shape[0] / batch.length;
        return { data: tf.softmax(out).dataSync() as Float32Array, dims: [batch.length, time, tagNames.length] as [number, number, number] };
      });
    },
    exportSpec(): ExportModelSpec {
      const spec: LayerSpec[] = [{ kind: 'embedding', table: embedding.values.slice(), vocabularySize: config.vocabSize, dim, padding: true }];
      const read = (w: GruDirection) => ({ kernel: w.kernel.dataSync() as Float32Array, recurrentKernel: w.recurrentKernel.dataSync() as Float32Array, bias: w.bias.dataSync() as Float32Array });
      for (const layer of layers) {
        spec.push({ kind: 'gru', inputSize: layer.inputs, units, resetAfter: false, returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid', forward: read(layer.forward), backward: read(layer.backward) });
      }
      spec.push({ kind: 'dense', kernel: output.kernel.dataSync() as Float32Array, bias: output.bias.dataSync() as Float32Array, inputSize: 2 * units, units: tagNames.length, activation: 'softmax' });
      return { inputShape: [-1], inputName: 'token_ids', outputName: 'tag_probabilities', classNames: [...tagNames], layers: spec };
    },
    tags() {
      return { preprocess: tokenTaggerPreprocess(config), architecture: 'token_tagger' };
    },
    dispose() {
      embedding.dispose();
      for (const layer of layers) for (const w of [layer.forward, layer.backward]) for (const v of [w.kernel, w.recurrentKernel, w.bias]) v.dispose();
      output.kernel.dispose();
      output.bias.dispose();
    },
  };
  return model;
}

/** The registry tag `preprocess` of a token tagger: how a client turns text into `token_ids` (@l1g1/features). */
export function tokenTaggerPreprocess(config: Pick<TokenTaggerConfig, 'vocabSize' | 'maxTokens'>): string {
  return tokenIdsPreprocessTag({ vocabSize: config.vocabSize, maxTokens: config.maxTokens });
}
