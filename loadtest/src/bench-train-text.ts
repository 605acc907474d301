/**
 * The text classifier's real case for `bench:train` (`{"bench":"train-text-corpus",...}`): the
 * SpamAssassin mails parsed by the ingestion e-mail parser, exact duplicates dropped, every 5th
 * mail of each label held out; then the trainer's own text classifier with its DEFAULT
 * architecture and its training recipe (TEXT_CLASSIFIER_TRAINING, the CLI's). Reports
 * parse, featurize (mails/s) and train (samples/s) separately, each as wall and CPU seconds of
 * this process (on a shared machine the CPU figure is the stable one), and the held-out macro-F1
 * as a sanity check (the acceptance split is the test's, not this one).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { binaryParsers, type FileSource } from '@l1g1/ingestion';
import { AdamW, createCosineWarmupSchedule, createModel, TEXT_CLASSIFIER_TRAINING, train, type BuiltModel, type RecordInput, type TextExample } from '@l1g1/trainer';
import { spamAssassinFiles } from './bench-ingest-spam';

const MAX_MAIL_BYTES = 16 * 1024 * 1024;

interface Clock {
  wall: number;
  cpu: number;
}
const clock = (): Clock => {
  const u = process.cpuUsage();
  return { wall: performance.now() / 1000, cpu: (u.user + u.system) / 1e6 };
};
const since = (t: Clock) => {
  const n = clock();
  return { wall_s: Math.round((n.wall - t.wall) * 100) / 100, cpu_s: Math.round((n.cpu - t.cpu) * 100) / 100 };
};

/** The mails as records (body as data, the parser's metadata, `label` from the folder), duplicates dropped. */
async function parseCorpus(limit: number): Promise<RecordInput[]> {
  const seen = new Set<string>();
  const records: RecordInput[] = [];
  for (const path of spamAssassinFiles().slice(0, limit)) {
    const label = path.split('/').at(-2)?.startsWith('spam') ? 'spam' : 'ham';
    const source: FileSource = {
      name: path,
      stream: async function* () {
        yield readFileSync(path);
      },
      readAll: async () => readFileSync(path),
    };
    try {
      for await (const parsed of binaryParsers.parseEmail(source, { maxBytes: MAX_MAIL_BYTES })) {
        const body = typeof parsed.data === 'string' ? parsed.data : '';
        if (!seen.has(body)) records.push({ data: body, metadata: { ...parsed.metadata, label } });
        seen.add(body);
        break; // the mail; its attachments are records of their own
      }
    } catch {
      // a malformed mail is an upload report's line, not training data
    }
  }
  return records;
}

/** One JSON line's fields; `limit` bounds the mails read (the corpus holds 6,046). */
export async function benchTextCorpus(limit = Number.MAX_SAFE_INTEGER): Promise<Record<string, unknown>> {
  await tf.setBackend('cpu'); // the bag and its update are JS; the head's matmuls are tiny
  let t = clock();
  const records = await parseCorpus(limit);
  const parse = since(t);
  const model = createModel(
    { architecture: { $case: 'textClassifier', value: { features: 1, vocabSize: 0, wordNgramMax: 0, charNgramMin: 0, charNgramMax: 0, maxTokens: 0, embeddingDim: 0, encoderHiddenSize: 0, hiddenUnits: [], dropout: 0, multiLabel: false } } },
    ['ham', 'spam'],
    42,
  ) as BuiltModel<TextExample>;
  t = clock();
  const examples = model.featurize(records);
  const featurize = since(t);
  const perLabel = new Map<number, number>();
  const trainSet: TextExample[] = [];
  const testSet: TextExample[] = [];
  for (const e of examples) {
    const n = perLabel.get(e.label) ?? 0;
    perLabel.set(e.label, n + 1);
    (n % 5 === 4 ? testSet : trainSet).push(e);
  }
  const { epochs, batchSize, learningRate, warmupSteps, minLearningRate, weightDecay } = TEXT_CLASSIFIER_TRAINING;
  const totalSteps = epochs * Math.ceil(trainSet.length / batchSize);
  const optimizer = new AdamW({ learningRate: createCosineWarmupSchedule({ peakLr: learningRate, warmupSteps, totalSteps, minLr: minLearningRate }), weightDecay });
  t = clock();
  await train({ epochs, batchSize, optimizer, seed: 42 }, model.trainable, async function* () {
    yield* trainSet;
  });
  const trained = since(t);
  const metrics = model.evaluate(testSet);
  const config = JSON.parse(model.tags().preprocess ?? '{}') as Record<string, unknown>;
  optimizer.dispose();
  model.dispose();
  const ids = examples.reduce((sum, e) => sum + e.ids.length, 0);
  return {
    bench: 'train-text-corpus',
    mails: records.length,
    parse,
    featurize: { ...featurize, mails_per_s: Math.round(records.length / Math.max(featurize.wall_s, 1e-3)), ids_per_mail: Math.round(ids / Math.max(examples.length, 1)) },
    train: { ...trained, examples: trainSet.length, epochs, batch: batchSize, samples_per_s: Math.round((epochs * trainSet.length) / Math.max(trained.wall_s, 1e-3)), samples_per_cpu_s: Math.round((epochs * trainSet.length) / Math.max(trained.cpu_s, 1e-3)) },
    held_out: { mails: testSet.length, macro_f1: Math.round(metrics.macro_f1 * 10_000) / 10_000 },
    recipe: { vocab_size: config['vocab_size'], max_tokens: config['max_tokens'], distinct_ids: config['distinct_ids'], metadata_fields: config['metadata_fields'] },
  };
}
