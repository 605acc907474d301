import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { L1g1Error } from '@l1g1/kit';
import { AdamW, createCosineWarmupSchedule, createSeededRandom, train } from '../src/engine';
import { exportOnnx } from '../src/export';
import { createModel, entityTypesOf, type TaggedExample, type TokenTagger } from '../src/models';
import { entitySentences } from './support/entity-sentences';
import { maxAbsDiff, runOnnx, seededValues, useCpuBackend } from './export-helpers';

const invalid = (field: string, text?: string) => (e: unknown) =>
  e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field && (text === undefined || e.message.includes(text));

type TaggerSpec = { vocabSize?: number; embeddingDim?: number; charEmbeddingDim?: number; hiddenSize?: number; numLayers?: number; maxTokens?: number; tagScheme?: number; dropout?: number };

function tagger(spec: TaggerSpec, classNames: string[] = ['LOC', 'ORG', 'PER'], seed = 5): TokenTagger {
  const value = { vocabSize: 0, embeddingDim: 0, charEmbeddingDim: 0, hiddenSize: 0, numLayers: 0, maxTokens: 0, tagScheme: 0, dropout: 0, ...spec };
  return createModel({ architecture: { $case: 'tokenTagger', value } }, classNames, seed) as unknown as TokenTagger;
}

const SMALL: TaggerSpec = { vocabSize: 64, embeddingDim: 6, hiddenSize: 5 };

/** Seeded non-zero biases: with the zero init a GRU fed zeros stays at 0, which would hide a padding leak. */
function seedBiases(model: TokenTagger): void {
  let seed = 100;
  for (const [name, variable] of Object.entries(model.trainable.weights)) {
    if (name.endsWith('/bias')) variable.assign(tf.tensor(seededValues(variable.size, seed++, 0.5), variable.shape));
  }
}

describe('token tagger (embeddings → BiGRU → per-token softmax over IOB2 tags)', () => {
  before(useCpuBackend);

  it('refuses bad specs with INVALID_ARGUMENT naming spec.architecture.token_tagger.<field>', () => {
    const cases: [TaggerSpec, string][] = [
      [{ hiddenSize: -1 }, 'hidden_size'],
      [{ hiddenSize: 5000 }, 'hidden_size'],
      [{ numLayers: 9 }, 'num_layers'],
      [{ vocabSize: 1 }, 'vocab_size'],
      [{ embeddingDim: -3 }, 'embedding_dim'],
      [{ maxTokens: -1 }, 'max_tokens'],
      [{ dropout: 1 }, 'dropout'],
      [{ tagScheme: 2 }, 'tag_scheme'],
      [{ tagScheme: 9 }, 'tag_scheme'],
      [{ charEmbeddingDim: 16 }, 'char_embedding_dim'],
      [{ vocabSize: 1 << 22, embeddingDim: 1000 }, 'vocab_size'],
    ];
    for (const [spec, field] of cases) assert.throws(() => tagger(spec), invalid(`spec.architecture.token_tagger.${field}`), field);
  });

  it('featurizes spans into tag indices and refuses a span outside the text or overlapping naming data.label_field and the record', () => {
    const model = tagger(SMALL);
    const [example] = model.featurize([{ data: 'Anna lives in Oslo', metadata: { ents: '[{"start":0,"end":4,"label":"PER"},{"start":14,"end":18,"label":"LOC"}]' } }], 'ents');
    assert.deepEqual(example?.tags.map((t) => model.classNames[t]), ['B-PER', 'O', 'O', 'B-LOC']);
    assert.equal(example?.ids.length, 4);
    assert.throws(() => model.featurize([{ id: 'r-1', data: 'Oslo', metadata: { label: '[{"start":0,"end":5,"label":"LOC"}]' } }]), invalid('data.label_field', 'r-1'));
    assert.throws(() => model.featurize([{ id: 'r-2', data: 'Anna Lee', metadata: { label: '[{"start":0,"end":5,"label":"PER"},{"start":3,"end":8,"label":"PER"}]' } }]), invalid('data.label_field', 'r-2'));
    assert.throws(() => model.featurize([{ id: 'r-3', data: 'Oslo', metadata: { label: '[{"start":0,"end":4,"label":"CITY"}]' } }]), invalid('data.label_field', 'r-3'));
    model.dispose();
  });

  it('masks padding out of the loss: a padded batch loss is the token-weighted mean of its rows alone', () => {
    const model = tagger(SMALL);
    const long: TaggedExample = { ids: [1, 2, 3, 4, 5], tags: [1, 2, 0, 0, 3] };
    const short: TaggedExample = { ids: [6, 7], tags: [5, 0] };
    const lossOf = (batch: TaggedExample[]) => {
      const sparse = model.trainable.sparse;
      assert.ok(sparse);
      sparse.gather(batch);
      try {
        return tf.tidy(() => model.trainable.loss(batch, { rng: createSeededRandom(1), training: true }).dataSync()[0] as number);
      } finally {
        sparse.release();
      }
    };
    const together = lossOf([long, short]);
    const expected = (lossOf([long]) * 5 + lossOf([short]) * 2) / 7;
    assert.ok(Math.abs(together - expected) < 1e-5, `${together} vs ${expected}`);
    model.dispose();
  });

  it('gives each row of a right-padded batch the probabilities it has alone (the reverse GRU starts at its last token)', () => {
    const model = tagger({ ...SMALL, numLayers: 2 });
    seedBiases(model);
    const lists = [[1, 2, 3, 4], [5, 6], [7]];
    const batch = model.tagProbabilities(lists);
    const tags = model.classNames.length;
    lists.forEach((ids, r) => {
      const alone = model.tagProbabilities([ids]);
      const row = batch.data.slice(r * 4 * tags, r * 4 * tags + ids.length * tags);
      assert.ok(maxAbsDiff(row, alone.data) < 1e-6, `row ${r}`);
    });
    model.dispose();
  });

  it('exports a 2-layer BiGRU tagger to ONNX whose per-token probabilities match tfjs within 1e-5 on a padded batch; fp16 and int8 load and run', async () => {
    const model = tagger({ ...SMALL, numLayers: 2 });
    seedBiases(model);
    const lists = [[1, 2, 3, 4, 60], [5, 6], [7, 8, 9]];
    const width = 5;
    const ids = lists.flatMap((l) => [...l, ...new Array<number>(width - l.length).fill(-1)]);
    const reference = model.tagProbabilities(lists);
    const exported = exportOnnx(model.exportSpec());
    assert.deepEqual(JSON.parse(exported.metadata.class_names ?? '[]'), ['O', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG', 'B-PER', 'I-PER']);
    const onnx = await runOnnx(exported.bytes, 'token_ids', { type: 'int64', data: ids, dims: [3, width] }, 'tag_probabilities');
    assert.deepEqual([...onnx.dims], reference.dims);
    const diff = maxAbsDiff(onnx.data, reference.data);
    assert.ok(diff < 1e-5, `max |onnx - tfjs| = ${diff}`);
    for (const precision of ['fp16', 'int8'] as const) {
      const variant = await runOnnx(exportOnnx(model.exportSpec(), { precision }).bytes, 'token_ids', { type: 'int64', data: ids, dims: [3, width] }, 'tag_probabilities');
      assert.deepEqual([...variant.dims], reference.dims, precision);
      assert.ok(maxAbsDiff(variant.data, reference.data) < 0.1, precision);
    }
    model.dispose();
  });

  it('trains with gradient clipping (the checkpoint mirrors of the row-sparse table carry no gradient)', async () => {
    const model = tagger(SMALL);
    const examples = model.featurize([{ data: 'Anna lives in Oslo', metadata: { label: '[{"start":0,"end":4,"label":"PER"},{"start":14,"end":18,"label":"LOC"}]' } }]);
    const optimizer = new AdamW({ learningRate: 0.01 });
    const norms: number[] = [];
    await train({ epochs: 2, batchSize: 1, optimizer, seed: 1, clipNorm: 1e-3, onStep: (e) => void norms.push(e.gradNorm ?? NaN) }, model.trainable, async function* () {
      yield* examples;
    });
    optimizer.dispose();
    assert.equal(norms.length, 2);
    assert.ok(norms.every((n) => Number.isFinite(n) && n > 0), `gradient norms ${norms.join(', ')}`);
    model.dispose();
  });

  it('records the serving recipe in the preprocess tag', () => {
    const model = tagger({ ...SMALL, maxTokens: 40 });
    const preprocess = JSON.parse(model.tags().preprocess ?? '{}') as Record<string, unknown>;
    assert.equal(model.tags().architecture, 'token_tagger');
    assert.deepEqual(
      { recipe: preprocess.recipe, vocab_size: preprocess.vocab_size, max_tokens: preprocess.max_tokens, padding_id: preprocess.padding_id, hash: preprocess.hash, tag_scheme: preprocess.tag_scheme },
      { recipe: 'token_ids_v1', vocab_size: 64, max_tokens: 40, padding_id: -1, hash: 'fnv1a32_utf8', tag_scheme: 'iob2' },
    );
    model.dispose();
  });

  it('learns a generated entity task: entity F1 ≥ 0.9 on held-out sentences with unseen name combinations', async function () {
    this.timeout(120_000);
    const trainRecords = entitySentences(400, 11, false);
    const heldOut = entitySentences(200, 12, true);
    const model = tagger({ vocabSize: 4096, embeddingDim: 16, hiddenSize: 16 }, entityTypesOf(trainRecords), 7);
    const examples = model.featurize(trainRecords);
    const test = model.featurize(heldOut);
    const before = model.evaluate(test);
    const epochs = 3;
    const batchSize = 32;
    const totalSteps = epochs * Math.ceil(examples.length / batchSize);
    const optimizer = new AdamW({ learningRate: createCosineWarmupSchedule({ peakLr: 0.03, warmupSteps: 10, totalSteps, minLr: 0.001 }), weightDecay: 0.01 });
    await train({ epochs, batchSize, optimizer, seed: 42 }, model.trainable, async function* () {
      yield* examples;
    });
    optimizer.dispose();
    const after = model.evaluate(test);
    assert.ok(before.entity_f1 < 0.5, `an untrained tagger scores ${before.entity_f1}`);
    assert.ok(after.entity_f1 >= 0.9, `held-out entity F1 ${after.entity_f1} (P ${after.entity_precision}, R ${after.entity_recall}, token acc ${after.accuracy})`);
    model.dispose();
  });
});
