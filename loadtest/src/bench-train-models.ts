/**
 * The four architectures `bench:train` times, written with raw tfjs ops so that each one is
 * exactly the network `bench-train-torch.py` builds in PyTorch (same shapes, same parameter
 * count, same loss): the ratio between the two is then a ratio of frameworks, not of models.
 * Data is synthetic and seeded: throughput does not depend on what the numbers mean.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainableModel } from '@l1g1/trainer';

/** Shapes shared with the PyTorch side (passed to it as JSON, so both read the same numbers). */
export interface BenchShapes {
  mlp: { inputs: number; hidden: number; classes: number; batch: number };
  cnn: { side: number; filters1: number; filters2: number; classes: number; batch: number };
  gru_lm: { vocab: number; embedding: number; hidden: number; seq: number; batch: number };
  text: { vocab: number; embedding: number; hidden: number; classes: number; maxIds: number; minIds: number; batch: number };
}

export const DEFAULT_SHAPES: BenchShapes = Object.freeze({
  mlp: { inputs: 784, hidden: 256, classes: 10, batch: 64 },
  cnn: { side: 28, filters1: 16, filters2: 32, classes: 10, batch: 32 },
  gru_lm: { vocab: 64, embedding: 32, hidden: 128, seq: 32, batch: 32 },
  // the text classifier's defaults (TEXT_CLASSIFIER_DEFAULTS / TEXT_CLASSIFIER_TRAINING): 2^16 × 16, one hidden layer of 64, batch 32
  text: { vocab: 65_536, embedding: 16, hidden: 64, classes: 2, maxIds: 64, minIds: 16, batch: 32 },
});

export type ModelName = keyof BenchShapes;
export const MODEL_NAMES: readonly ModelName[] = ['mlp', 'cnn', 'gru_lm', 'text'];

/** A benchmark model: the featurizer (examples → tensors) kept apart from the network so the profile can time each. */
export interface BenchModel<E> extends TrainableModel<E> {
  name: ModelName;
  batch: number;
  parameters: number;
  examples: E[];
  featurize(batch: readonly E[]): tf.Tensor[];
  lossOf(tensors: tf.Tensor[]): tf.Scalar;
}

/** mulberry32: a tiny seeded generator so every run builds the same data and weights. */
function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Glorot-uniform weights, as both frameworks' defaults would be close to; values do not affect speed. */
function weight(name: string, shape: number[], r: () => number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : size;
  const fanOut = shape[shape.length - 1] ?? 1;
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = (r() * 2 - 1) * limit;
  return tf.variable(tf.tensor(values, shape), true, name);
}

function bias(name: string, size: number): tf.Variable {
  return tf.variable(tf.zeros([size]), true, name);
}

function countParameters(weights: Record<string, tf.Variable>): number {
  return Object.values(weights).reduce((n, w) => n + w.size, 0);
}

interface Labeled {
  features: Float32Array;
  label: number;
}

function denseExamples(count: number, size: number, classes: number, r: () => number): Labeled[] {
  return Array.from({ length: count }, () => {
    const features = new Float32Array(size);
    for (let i = 0; i < size; i++) features[i] = r();
    return { features, label: Math.floor(r() * classes) };
  });
}

/** Stacks per-example feature arrays into one batch tensor (the featurizer a real model would have). */
function stackFeatures(batch: readonly Labeled[], shape: number[]): tf.Tensor[] {
  const size = batch[0]?.features.length ?? 0;
  const flat = new Float32Array(batch.length * size);
  const labels = new Int32Array(batch.length);
  batch.forEach((e, i) => {
    flat.set(e.features, i * size);
    labels[i] = e.label;
  });
  return [tf.tensor(flat, [batch.length, ...shape]), tf.tensor1d(labels, 'int32')];
}

function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor, classes: number): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels as tf.Tensor1D, classes), logits);
}

function makeModel<E>(
  name: ModelName,
  batch: number,
  weights: Record<string, tf.Variable>,
  examples: E[],
  featurize: (batch: readonly E[]) => tf.Tensor[],
  lossOf: (tensors: tf.Tensor[]) => tf.Scalar,
): BenchModel<E> {
  return {
    name,
    batch,
    parameters: countParameters(weights),
    examples,
    weights,
    featurize,
    lossOf,
    loss: (b) => lossOf(featurize(b)),
  };
}

/** Dense MLP: inputs → hidden (relu) → hidden (relu) → classes. */
function mlp(s: BenchShapes['mlp'], r: () => number, count: number): BenchModel<Labeled> {
  const w = {
    w1: weight('mlp/w1', [s.inputs, s.hidden], r),
    b1: bias('mlp/b1', s.hidden),
    w2: weight('mlp/w2', [s.hidden, s.hidden], r),
    b2: bias('mlp/b2', s.hidden),
    w3: weight('mlp/w3', [s.hidden, s.classes], r),
    b3: bias('mlp/b3', s.classes),
  };
  return makeModel('mlp', s.batch, w, denseExamples(count, s.inputs, s.classes, r), (b) => stackFeatures(b, [s.inputs]), ([x, y]) => {
    const h1 = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, w.w1), w.b1));
    const h2 = tf.relu(tf.add(tf.matMul(h1 as tf.Tensor2D, w.w2), w.b2));
    return crossEntropy(tf.add(tf.matMul(h2 as tf.Tensor2D, w.w3), w.b3) as tf.Tensor2D, y as tf.Tensor, s.classes);
  });
}

/** Small CNN (NHWC): conv3×3 (relu) → maxpool 2 → conv3×3 (relu) → maxpool 2 → flatten → dense. */
function cnn(s: BenchShapes['cnn'], r: () => number, count: number): BenchModel<Labeled> {
  const after1 = Math.floor((s.side - 2) / 2);
  const after2 = Math.floor((after1 - 2) / 2);
  const flat = after2 * after2 * s.filters2;
  const w = {
    k1: weight('cnn/k1', [3, 3, 1, s.filters1], r),
    c1: bias('cnn/c1', s.filters1),
    k2: weight('cnn/k2', [3, 3, s.filters1, s.filters2], r),
    c2: bias('cnn/c2', s.filters2),
    wd: weight('cnn/wd', [flat, s.classes], r),
    bd: bias('cnn/bd', s.classes),
  };
  return makeModel('cnn', s.batch, w, denseExamples(count, s.side * s.side, s.classes, r), (b) => stackFeatures(b, [s.side, s.side, 1]), ([x, y]) => {
    const a1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w.k1 as tf.Tensor4D, 1, 'valid'), w.c1)) as tf.Tensor4D, 2, 2, 'valid');
    const a2 = tf.maxPool(tf.relu(tf.add(tf.conv2d(a1, w.k2 as tf.Tensor4D, 1, 'valid'), w.c2)) as tf.Tensor4D, 2, 2, 'valid');
    const logits = tf.add(tf.matMul(tf.reshape(a2, [-1, flat]) as tf.Tensor2D, w.wd), w.bd) as tf.Tensor2D;
    return crossEntropy(logits, y as tf.Tensor, s.classes);
  });
}

/** Character GRU language model: embedding → GRU (PyTorch's gate formulation) → next-token softmax. */
function gruLm(s: BenchShapes['gru_lm'], r: () => number, count: number): BenchModel<Int32Array> {
  const H = s.hidden;
  const w = {
    emb: weight('gru/emb', [s.vocab, s.embedding], r),
    wi: weight('gru/wi', [s.embedding, 3 * H], r),
    wh: weight('gru/wh', [H, 3 * H], r),
    bi: bias('gru/bi', 3 * H),
    bh: bias('gru/bh', 3 * H),
    wo: weight('gru/wo', [H, s.vocab], r),
    bo: bias('gru/bo', s.vocab),
  };
  // one example = seq + 1 token ids (inputs and the shifted targets)
  const examples = Array.from({ length: count }, () => Int32Array.from({ length: s.seq + 1 }, () => Math.floor(r() * s.vocab)));
  const featurize = (batch: readonly Int32Array[]): tf.Tensor[] => {
    const inputs = new Int32Array(batch.length * s.seq);
    const targets = new Int32Array(batch.length * s.seq);
    batch.forEach((e, i) => {
      inputs.set(e.subarray(0, s.seq), i * s.seq);
      targets.set(e.subarray(1), i * s.seq);
    });
    return [tf.tensor2d(inputs, [batch.length, s.seq], 'int32'), tf.tensor1d(targets, 'int32')];
  };
  return makeModel('gru_lm', s.batch, w, examples, featurize, ([ids, targets]) => {
    const b = (ids as tf.Tensor).shape[0] ?? 0;
    const x = tf.gather(w.emb, tf.reshape(ids as tf.Tensor, [-1]) as tf.Tensor1D); // [b*T, E]
    const xProj = tf.reshape(tf.add(tf.matMul(x, w.wi), w.bi), [b, s.seq, 3 * H]);
    const [wir, wiz, win] = tf.split(xProj, 3, 2);
    let h: tf.Tensor2D = tf.zeros([b, H]);
    const states: tf.Tensor2D[] = [];
    for (let t = 0; t < s.seq; t++) {
      const at = (g: tf.Tensor | undefined) => tf.squeeze(tf.slice(g as tf.Tensor3D, [0, t, 0], [b, 1, H]), [1]);
      const hProj = tf.add(tf.matMul(h, w.wh), w.bh);
      const [hr, hz, hn] = tf.split(hProj, 3, 1);
      const rGate = tf.sigmoid(tf.add(at(wir), hr as tf.Tensor));
      const zGate = tf.sigmoid(tf.add(at(wiz), hz as tf.Tensor));
      const n = tf.tanh(tf.add(at(win), tf.mul(rGate, hn as tf.Tensor)));
      h = tf.add(tf.mul(tf.sub(1, zGate), n), tf.mul(zGate, h)) as tf.Tensor2D;
      states.push(h);
    }
    const hs = tf.reshape(tf.stack(states, 1), [-1, H]) as tf.Tensor2D; // [b*T, H], row-major like the targets
    return crossEntropy(tf.add(tf.matMul(hs, w.wo), w.bo) as tf.Tensor2D, targets as tf.Tensor, s.vocab);
  });
}

interface HashedText {
  ids: Int32Array;
  label: number;
}

/**
 * Text classifier over hashed n-gram ids: a mean embedding bag over a -1-padded id matrix (the
 * layout the ONNX export uses) → dense (relu) → classes. The embedding table is a dense variable,
 * so its gradient and AdamW update cover every row: what the MODELS engineer's sparse update removes.
 */
function textClassifier(s: BenchShapes['text'], r: () => number, count: number): BenchModel<HashedText> {
  const w = {
    emb: weight('text/emb', [s.vocab, s.embedding], r),
    w1: weight('text/w1', [s.embedding, s.hidden], r),
    b1: bias('text/b1', s.hidden),
    w2: weight('text/w2', [s.hidden, s.classes], r),
    b2: bias('text/b2', s.classes),
  };
  const examples = Array.from({ length: count }, () => {
    const n = s.minIds + Math.floor(r() * (s.maxIds - s.minIds + 1));
    return { ids: Int32Array.from({ length: n }, () => Math.floor(r() * s.vocab)), label: Math.floor(r() * s.classes) };
  });
  const featurize = (batch: readonly HashedText[]): tf.Tensor[] => {
    const ids = new Int32Array(batch.length * s.maxIds);
    const mask = new Float32Array(batch.length * s.maxIds);
    const labels = new Int32Array(batch.length);
    batch.forEach((e, i) => {
      ids.set(e.ids, i * s.maxIds); // padding stays id 0 with mask 0 (the -1 of the ONNX layout)
      mask.fill(1, i * s.maxIds, i * s.maxIds + e.ids.length);
      labels[i] = e.label;
    });
    return [tf.tensor1d(ids, 'int32'), tf.tensor2d(mask, [batch.length, s.maxIds]), tf.tensor1d(labels, 'int32')];
  };
  return makeModel('text', s.batch, w, examples, featurize, ([ids, mask, y]) => {
    const m = mask as tf.Tensor2D;
    const b = m.shape[0];
    const rows = tf.reshape(tf.gather(w.emb, ids as tf.Tensor1D), [b, s.maxIds, s.embedding]);
    const summed = tf.sum(tf.mul(rows, tf.expandDims(m, 2)), 1);
    const bag = tf.div(summed, tf.expandDims(tf.maximum(tf.sum(m, 1), 1), 1)) as tf.Tensor2D;
    const h = tf.relu(tf.add(tf.matMul(bag, w.w1), w.b1)) as tf.Tensor2D;
    return crossEntropy(tf.add(tf.matMul(h, w.w2), w.b2) as tf.Tensor2D, y as tf.Tensor, s.classes);
  });
}

/** Builds one benchmark model on the active backend with `batches` batches of seeded data. */
// eslint-style note: the union of example types is erased to unknown for the caller, which only passes them back
export function buildBenchModel(name: ModelName, shapes: BenchShapes, batches: number, seed = 42): BenchModel<unknown> {
  const r = rand(seed);
  const count = shapes[name].batch * batches;
  switch (name) {
    case 'mlp':
      return mlp(shapes.mlp, r, count) as unknown as BenchModel<unknown>;
    case 'cnn':
      return cnn(shapes.cnn, r, count) as unknown as BenchModel<unknown>;
    case 'gru_lm':
      return gruLm(shapes.gru_lm, r, count) as unknown as BenchModel<unknown>;
    case 'text':
      return textClassifier(shapes.text, r, count) as unknown as BenchModel<unknown>;
  }
}
