import { parseArgs } from 'node:util';
import { UsageError } from '../cli-config';
import type { Command, CommandContext } from '../command';
import { createTrainingProgress, type TrainingFigures } from '../training-progress';
import { watchTrainingJob } from '../watch-job';
import { parseRef } from './snapshot-command';

/** The architectures the spec's `architecture` oneof offers, as the REST dialect spells them. */
export const ARCHITECTURES = ['text_classifier', 'mlp', 'cnn', 'gru', 'token_tagger'] as const;
const OPTIMIZERS = ['adamw', 'adam', 'sgd'] as const;
const PRECISIONS = ['fp16', 'int8'] as const;

export interface TrainingJobJson {
  job_id: string;
  state: string;
  message: string;
  error: { reason: string; field: string; message: string } | null;
  training: TrainingFigures;
  registered_model: { name: string; version?: number } | null;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2 ** 31 - 1) throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/**
 * What `--arch text_classifier` sends for the flags left out: the trainer's TEXT_CLASSIFIER_TRAINING
 * (2 epochs, AdamW peak lr 0.02, 20 warmup steps, cosine to 5e-4; macro-F1 0.996 on the
 * SpamAssassin split in about 4 s of one core). Written out, not imported: the CLI does not load
 * the trainer (tfjs). The trainer's own defaults (lr 5e-5, 1,000 warmup steps) are a
 * fine-tuning recipe that leaves this small model near chance in 2 epochs.
 */
export const TEXT_CLASSIFIER_CLI_DEFAULTS = Object.freeze({ epochs: 2, learningRate: 0.02, warmupSteps: 20, minLearningRate: 0.0005 });

/** The `POST /v1/training/jobs` body from the flags; the gateway and the trainer check the rest. */
export function trainRequestBody(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const dataset = str('dataset');
  if (dataset === undefined) throw new UsageError('--dataset NAME[@VERSION] is required');
  const arch = oneOf(str('arch') ?? 'text_classifier', ARCHITECTURES, '--arch')!;
  const text = arch === 'text_classifier' ? TEXT_CLASSIFIER_CLI_DEFAULTS : undefined;
  const epochs = positiveInt(str('epochs'), '--epochs') ?? text?.epochs;
  if (epochs === undefined) throw new UsageError('--epochs N is required');
  const ref = parseRef(dataset);
  let archOptions: unknown = {};
  if (str('arch-options') !== undefined) {
    try {
      archOptions = JSON.parse(str('arch-options')!);
    } catch {
      throw new UsageError('--arch-options must be a JSON object, e.g. \'{"input_dim":4,"hidden_units":[64]}\'');
    }
    if (typeof archOptions !== 'object' || archOptions === null || Array.isArray(archOptions)) throw new UsageError('--arch-options must be a JSON object');
  }
  // Shorthands for the text classifier's hashed n-gram features (over --arch-options).
  const vocabSize = positiveInt(str('vocab-size'), '--vocab-size');
  const ngrams = positiveInt(str('ngrams'), '--ngrams');
  if ((vocabSize !== undefined || ngrams !== undefined) && arch !== 'text_classifier') throw new UsageError('--vocab-size and --ngrams go with --arch text_classifier');
  if (vocabSize !== undefined) archOptions = { ...(archOptions as object), vocab_size: vocabSize };
  if (ngrams !== undefined) archOptions = { ...(archOptions as object), word_ngram_max: ngrams };
  const optimizer = oneOf(str('optimizer'), OPTIMIZERS, '--optimizer');
  // the tuned rate is AdamW's; another optimizer keeps the trainer's default
  const lr = positiveNumber(str('lr'), '--lr') ?? (optimizer === undefined || optimizer === 'adamw' ? text?.learningRate : undefined);
  const seed = str('seed');
  if (seed !== undefined && !/^\d{1,15}$/.test(seed)) throw new UsageError('--seed must be a non-negative integer');
  const variants = str('variants') === undefined ? [] : str('variants')!.split(',').map((v) => oneOf(v, PRECISIONS, '--variants')!);
  const modelName = str('model-name');
  if (modelName === undefined && (variants.length > 0 || str('alias') !== undefined)) throw new UsageError('--variants and --alias go with --model-name');
  return {
    spec: {
      architecture: { [arch]: archOptions },
      data: { dataset: { name: ref.name, snapshot: ref.version }, ...(str('label-field') ? { label_field: str('label-field') } : {}) },
      config: {
        epochs,
        ...(str('batch-size') !== undefined ? { batch_size: positiveInt(str('batch-size'), '--batch-size') } : {}),
        ...(optimizer || lr !== undefined ? { optimizer: { ...(optimizer ? { kind: optimizer } : {}), ...(lr !== undefined ? { learning_rate: lr } : {}) } } : {}),
        ...(text !== undefined ? { schedule: { warmup_steps: text.warmupSteps, min_learning_rate: text.minLearningRate } } : {}),
        ...(seed !== undefined ? { seed: Number(seed) } : {}),
        ...(str('max-steps') !== undefined ? { max_steps: positiveInt(str('max-steps'), '--max-steps') } : {}),
        ...(str('checkpoint-every') !== undefined ? { checkpoint_every_steps: positiveInt(str('checkpoint-every'), '--checkpoint-every') } : {}),
      },
      ...(modelName !== undefined ? { register_as: { model_name: modelName, variants, ...(str('alias') ? { alias: str('alias') } : {}) } } : {}),
    },
    ...(str('idempotency-key') ? { idempotency_key: str('idempotency-key') } : {}),
  };
}

/** Follows a job to its end: a live bar on stderr, or (--json) one JSON line per event on stdout. Resolves with the exit code. */
export async function followJob(jobId: string, json: boolean, ctx: CommandContext): Promise<number> {
  const bar = createTrainingProgress(ctx.stderr, !json);
  const state = await watchTrainingJob(ctx.client, jobId, (e) => {
    if (json) {
      ctx.stdout.write(`${JSON.stringify({ event: e.event, id: e.id === undefined ? null : Number(e.id), data: JSON.parse(e.data) as unknown })}\n`);
      return;
    }
    const data = JSON.parse(e.data) as Record<string, unknown>;
    if (e.event === 'step') bar.update(data as unknown as TrainingFigures);
    else if (e.event === 'checkpoint') {
      const c = data['checkpoint'] as { id: string; step: number };
      bar.note(`checkpoint ${c.id} at step ${c.step}`);
    } else if (e.event === 'evaluation') bar.note(`evaluation at step ${String(data['step'])}: ${JSON.stringify(data['metrics'])}`);
    else if (e.event === 'status') bar.note(`state ${(data['status'] as { state: string }).state}`);
    else if (e.event === 'registered') bar.note(`registered ${JSON.stringify(data['model'])}`);
  });
  bar.done();
  const job = await ctx.client.json<TrainingJobJson>('GET', `/v1/training/jobs/${encodeURIComponent(jobId)}`);
  if (json) ctx.stdout.write(`${JSON.stringify({ event: 'job', id: null, data: job })}\n`);
  else {
    const model = job.registered_model ? `  registered ${job.registered_model.name}${job.registered_model.version ? `@${job.registered_model.version}` : ''}` : '';
    ctx.stdout.write(`${job.job_id}  ${state}  step ${job.training.step}  loss ${job.training.loss.toFixed(4)}${model}${job.error ? `  ${job.error.message}` : ''}\n`);
  }
  return state === 'succeeded' ? 0 : 1;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'start a training job on a dataset snapshot; --watch follows it live',
  usage:
    'l1g1 train --dataset NAME[@VERSION] [--epochs N (text_classifier: 2; other archs: required)] [--arch text_classifier|mlp|cnn|gru|token_tagger [--arch-options JSON]] [--vocab-size N] [--ngrams N] [--batch-size B] [--optimizer adamw|adam|sgd] [--lr X]\n' +
    '       [--seed S] [--max-steps N] [--checkpoint-every N] [--label-field F] [--model-name M [--variants fp16,int8] [--alias A]] [--idempotency-key K] [--watch] [--json]',
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        dataset: { type: 'string' },
        'model-name': { type: 'string' },
        arch: { type: 'string' },
        'arch-options': { type: 'string' },
        'vocab-size': { type: 'string' },
        ngrams: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        optimizer: { type: 'string' },
        lr: { type: 'string' },
        seed: { type: 'string' },
        'max-steps': { type: 'string' },
        'checkpoint-every': { type: 'string' },
        'label-field': { type: 'string' },
        variants: { type: 'string' },
        alias: { type: 'string' },
        'idempotency-key': { type: 'string' },
        watch: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${String(positionals[0])}"`);
    const job = await ctx.client.json<TrainingJobJson>('POST', '/v1/training/jobs', trainRequestBody(values));
    if (values.json) ctx.stdout.write(`${JSON.stringify({ event: 'created', id: null, data: job })}\n`);
    else ctx.stdout.write(`${job.job_id}  ${job.state}\n`);
    if (!values.watch) return 0;
    return followJob(job.job_id, values.json === true, ctx);
  },
};
