/**
 * Every non-classifier architecture trained THROUGH THE SERVICE, each part
 * real: records in an ingestion snapshot → CreateTrainingJob → the job's
 * worker thread → one registered version. Models are tiny (a few seconds of
 * training each): what is tested is the wiring each kind needs — the token
 * tagger's classes are its entity types (not the distinct span JSON strings)
 * and its errors name the record id; the GRU language model trains on a
 * snapshot without labels; the CNN trains on PNG files as ingestion's image
 * parser stores them (uploaded through Ingest); LoRA adapts a registered
 * text classifier's dense head with its embedding bag frozen.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { common, registry, trainer } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import type { StoredRecord } from '../../ingestion/src/domain/snapshot/stored-record';
import { ingest, ingestHeader } from '../../ingestion/test/support/ingest-client';
import type { TestIngestion } from '../../ingestion/test/support/start-ingestion';
import type { Stack } from '../../../test/support/stack';
import { readBlob } from '../src/adapters/blob-bytes';
import { decodeCheckpoint } from '../src/checkpoint/checkpoint-format';
import type { RecordInput } from '../src/models';
import { entitySentences } from './support/entity-sentences';
import type { TestTrainer } from './support/start-trainer';
import { startTrainingStack, type TrainingStack } from './support/training-stack';
import { publishRecords } from './support/training-data';
import { collectEvents } from './support/watch';

const SECRET = 'trainer-architectures-e2e-internal-secret';

/** Text records as a snapshot stores them (ids from their content and position). */
function textRecords(records: readonly RecordInput[], split: string, ids?: (i: number) => string): StoredRecord[] {
  return records.map((r, i) => {
    const text = typeof r.data === 'string' ? r.data : Buffer.from(r.data).toString('utf8');
    return {
      id: ids?.(i) ?? createHash('sha256').update(`${split}:${i}:${text}`).digest('hex'),
      modality: 'text',
      contentType: 'text/plain',
      data: Buffer.from(text),
      metadata: { ...r.metadata, split },
    };
  });
}

/** An 8×8 grey PNG: a bright horizontal (`h`) or vertical (`v`) bar at `at`, with a little noise from `i`. */
function barPng(kind: 'h' | 'v', at: number, i: number): Buffer {
  const png = new PNG({ width: 8, height: 8, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  const grey = Buffer.alloc(64);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const on = kind === 'h' ? y === at : x === at;
      // Deterministic per image, so no two files are byte-identical (ingestion dedupes those).
      grey[y * 8 + x] = on ? 230 + ((i * 7 + x + y) % 20) : (i * 13 + x * 5 + y * 3) % 40;
    }
  }
  png.data = grey;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

describe('trainer end to end per architecture (token tagger, GRU language model, CNN on PNG uploads, LoRA on a text classifier)', function () {
  this.timeout(180_000);
  let all: TrainingStack;
  let ing: TestIngestion;
  let stack: Stack;
  let tr: TestTrainer;

  before(async () => {
    all = await startTrainingStack(SECRET);
    ({ ing, stack, tr } = all);
  });
  after(async () => {
    await all?.close();
  });

  /** Creates the job, waits for its end, answers it. */
  async function runJob(spec: trainer.TrainingSpec, key: string): Promise<trainer.TrainingJob> {
    const created = await unary(tr.client.createTrainingJob.bind(tr.client), { spec, idempotencyKey: key, tags: {} });
    const jobId = created.status?.jobId ?? '';
    await collectEvents(tr.client, { jobId }, 150_000);
    return unary(tr.client.getJob.bind(tr.client), { jobId });
  }

  async function registeredVersion(job: trainer.TrainingJob, modelName: string): Promise<registry.ModelVersion> {
    const version = job.registeredModel?.selector?.$case === 'version' ? job.registeredModel.selector.value : 0;
    assert.ok(version > 0, 'the job registered a version');
    return unary(stack.registry.getVersion.bind(stack.registry), registry.GetVersionRequest.fromPartial({ modelName, version }));
  }

  const config = (over: Partial<trainer.TrainConfig> = {}): trainer.TrainConfig =>
    trainer.TrainConfig.fromPartial({ epochs: 2, batchSize: 8, seed: 42, optimizer: { learningRate: 0.02 }, schedule: { warmupSteps: 0 }, ...over });

  it('trains a token tagger: its classes are the entity types of the spans, and the version is tagged with them', async () => {
    await publishRecords(ing, 'entities', [...textRecords(entitySentences(48, 1, false), 'train'), ...textRecords(entitySentences(12, 2, true), 'validation')]);
    const spec = trainer.TrainingSpec.fromPartial({
      architecture: { architecture: { $case: 'tokenTagger', value: { vocabSize: 256, embeddingDim: 8, hiddenSize: 8, maxTokens: 32 } } },
      data: { dataset: { name: 'entities', snapshot: 0 } },
      config: config(),
      registerAs: { modelName: 'entity-tagger' },
    });
    const job = await runJob(spec, 'tagger');
    // Before: the class list was the distinct span JSON strings, which the tagger refused.
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));
    const version = await registeredVersion(job, 'entity-tagger');
    assert.deepEqual(JSON.parse(version.tags['class_names'] ?? '[]'), ['O', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG', 'B-PER', 'I-PER']);
    assert.equal(version.artifacts[0]?.signature?.inputs[0]?.name, 'token_ids');
    assert.ok(version.metrics['val_entity_f1'] !== undefined, `the tagger's entity F1 is among the metrics: ${JSON.stringify(version.metrics)}`);
  });

  it('fails a tagger job on a bad span in the validation split naming the record by its id (featurized in the worker)', async () => {
    const good = textRecords(entitySentences(16, 3, false), 'train');
    const bad = textRecords([{ data: 'Anna lives here .', metadata: { label: '[{"start":0,"end":400,"label":"PER"}]' } }], 'validation', () => 'record-with-a-bad-span');
    await publishRecords(ing, 'entities-bad', [...good, ...bad]);
    const spec = trainer.TrainingSpec.fromPartial({
      architecture: { architecture: { $case: 'tokenTagger', value: { vocabSize: 64, embeddingDim: 4, hiddenSize: 4, maxTokens: 16 } } },
      data: { dataset: { name: 'entities-bad', snapshot: 0 } },
      config: config({ epochs: 1 }),
    });
    const job = await runJob(spec, 'tagger-bad');
    assert.equal(job.status?.state, common.JobState.JOB_STATE_FAILED);
    assert.match(job.status?.error?.message ?? '', /record-with-a-bad-span/, JSON.stringify(job.status?.error));
  });

  it('trains a GRU language model on a snapshot without labels; its class names are the vocabulary', async () => {
    const lines = ['the cat sat on the mat', 'a dog ran to the cat', 'the mat is on the floor', 'a cat and a dog sat', 'the dog is on the mat'];
    const texts: RecordInput[] = Array.from({ length: 40 }, (_, i) => ({ data: `${lines[i % lines.length]} ${i % 7 === 0 ? 'again' : ''}`, metadata: {} }));
    // No record carries a label: refused for classifiers (trainer-jobs.test.ts), fine for a language model.
    await publishRecords(ing, 'bare-text', textRecords(texts, 'train'));
    const spec = trainer.TrainingSpec.fromPartial({
      architecture: { architecture: { $case: 'gru', value: { hiddenSize: 8, numLayers: 1, maxSteps: 8, languageModel: { level: trainer.TokenLevel.TOKEN_LEVEL_CHAR, maxVocab: 24, embeddingDim: 4 } } } },
      data: { dataset: { name: 'bare-text', snapshot: 0 } },
      config: config(),
      registerAs: { modelName: 'tiny-lm' },
    });
    const job = await runJob(spec, 'lm');
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));
    const version = await registeredVersion(job, 'tiny-lm');
    const classNames = JSON.parse(version.tags['class_names'] ?? '[]') as string[];
    const preprocess = JSON.parse(version.tags['preprocess'] ?? '{}') as { vocabulary?: string[] };
    assert.equal(classNames[0], '<unk>');
    assert.deepEqual(classNames, preprocess.vocabulary, 'class_names = the vocabulary the serving input uses');
    assert.ok(classNames.includes(' ') && classNames.includes('t'), `characters of the training text: ${classNames.join('')}`);
    assert.ok(version.metrics['val_perplexity'] !== undefined, `perplexity among the metrics: ${JSON.stringify(version.metrics)}`);
  });

  it('trains a CNN on PNG files uploaded through ingestion (as its image parser stores them)', async () => {
    const files = Array.from({ length: 24 }, (_, i) => {
      const kind = i % 2 === 0 ? 'h' : 'v';
      return { name: `bar-${i}.png`, bytes: barPng(kind, 1 + (i % 6), i), recordMetadata: { label: kind === 'h' ? 'horizontal' : 'vertical' } };
    });
    const out = await ingest(ing.client, ingestHeader({ dataset: 'bars' }), files);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const spec = trainer.TrainingSpec.fromPartial({
      architecture: { architecture: { $case: 'cnn', value: { inputHeight: 8, inputWidth: 8, inputChannels: 1, convLayers: [{ filters: 4, kernelSize: 3, stride: 1, poolSize: 2 }], denseUnits: [] } } },
      data: { dataset: { name: 'bars', snapshot: 0 } },
      config: config({ epochs: 3, optimizer: trainer.OptimizerConfig.fromPartial({ learningRate: 0.01 }) }),
      registerAs: { modelName: 'bars-cnn' },
    });
    const job = await runJob(spec, 'cnn');
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));
    const version = await registeredVersion(job, 'bars-cnn');
    assert.equal(version.tags['class_names'], '["horizontal","vertical"]');
    assert.equal(version.artifacts[0]?.signature?.inputs[0]?.name, 'image');
    assert.equal(JSON.parse(version.tags['preprocess'] ?? '{}').input, 'image');
  });

  it("fine-tunes a registered text classifier's dense head with LoRA (embedding bag frozen), reporting the adapter's parameter count", async () => {
    const words = { pos: ['great', 'lovely', 'fine', 'superb'], neg: ['awful', 'broken', 'poor', 'dreadful'] };
    const texts: RecordInput[] = Array.from({ length: 48 }, (_, i) => {
      const label = i % 2 === 0 ? 'pos' : 'neg';
      return { data: `the item was ${words[label][i % 4]} and ${words[label][(i + 1) % 4]} number ${i}`, metadata: { label } };
    });
    await publishRecords(ing, 'reviews', textRecords(texts, 'train'));
    const architecture = trainer.ArchitectureSpec.fromPartial({ architecture: { $case: 'textClassifier', value: { vocabSize: 1 << 10, embeddingDim: 8, hiddenUnits: [8] } } });
    const base = await runJob(trainer.TrainingSpec.fromPartial({ architecture, data: { dataset: { name: 'reviews', snapshot: 0 } }, config: config(), registerAs: { modelName: 'reviews-text' } }), 'text-base');
    assert.equal(base.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(base.status?.error));

    // The embedding bag is not a dense layer: refused before any job, naming the target.
    const refused = await unary(tr.client.createTrainingJob.bind(tr.client), {
      spec: trainer.TrainingSpec.fromPartial({ architecture, data: { dataset: { name: 'reviews', snapshot: 0 } }, config: config(), baseModel: { name: 'reviews-text', selector: { $case: 'version', value: 1 } }, lora: { rank: 2, targetLayers: ['embedding'] } }),
      idempotencyKey: 'text-lora-bad',
      tags: {},
    }).catch((e: unknown) => e as { kind?: string; field?: string });
    assert.equal((refused as { kind?: string }).kind, 'INVALID_ARGUMENT');
    assert.equal((refused as { field?: string }).field, 'spec.lora.target_layers[0]');

    const job = await runJob(
      trainer.TrainingSpec.fromPartial({
        data: { dataset: { name: 'reviews', snapshot: 0 } },
        config: config(),
        baseModel: { name: 'reviews-text', selector: { $case: 'version', value: 1 } },
        lora: { rank: 2, alpha: 4, targetLayers: [] },
        registerAs: { modelName: 'reviews-lora' },
      }),
      'text-lora',
    );
    // Before: FAILED_PRECONDITION, LoRA took mlp bases only.
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));
    const checkpoints = (await unary(tr.client.listCheckpoints.bind(tr.client), { jobId: job.status?.jobId ?? '', page: { pageSize: 100, pageToken: '' } })).checkpoints;
    const final = checkpoints[checkpoints.length - 1];
    assert.ok(final, 'the LoRA job saved checkpoints');
    const trained = decodeCheckpoint(await readBlob(tr.deps.blobs, final.sha256)).tensors.filter((t) => t.group === 'weights').map((t) => t.name).sort();
    // The head's two dense layers (after the bag): only their adapters train, the table never.
    assert.deepEqual(trained, ['dense_0/lora_a', 'dense_0/lora_b', 'dense_1/lora_a', 'dense_1/lora_b']);
    const version = await registeredVersion(job, 'reviews-lora');
    // rank · (in + out): hidden 2 · (8 + 8) + logits 2 · (8 + 2).
    assert.equal(version.metrics['adapter_parameters'], 52);
    assert.equal(version.tags['lora_adapter_parameters'], '52');
    assert.equal(version.artifacts[0]?.signature?.inputs[0]?.name, 'ngram_ids', "the merged model serves the base's ids behind its frozen bag");
    assert.ok(version.tags['preprocess'], "the base's preprocess recipe travels with the merged model");
  });
});
