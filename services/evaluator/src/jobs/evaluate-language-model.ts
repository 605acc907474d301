/**
 * The language-modeling branch of the `evaluator.evaluate` job: the split's
 * records in reading order become one token stream (the trainer's own
 * tokenizer and vocabulary, from the version's `preprocess` tag, via
 * @l1g1/features), cut into windows that predict every token but the first
 * once; the windows go through the inference service in batches (the same
 * loop, predictInBatches, concurrency bound and precision as classification) and each actual
 * next token's negative log-likelihood is summed into perplexity, nll and
 * bits per token / char. Nothing per token is kept once its batch is summed.
 */
import { common, precisionName } from '@l1g1/contracts';
import { lmStreamTexts, parseLmRecipeTag, tokenizeLmText } from '@l1g1/features';
import { errors, outputScoreRows } from '@l1g1/kit';
import { asProbabilities } from '../domain/evaluations/classification-report';
import { cutLmWindows, languageModelMetrics, tokenNll, type LmWindow } from '../domain/evaluations/language-model-report';
import type { LanguageModelPlan } from '../domain/evaluations/evaluate-params';
import { LM_REGISTRY_METRICS } from '../domain/evaluations/plan-language-model';
import { sampleByHash } from '../domain/evaluations/record-sample';
import { registryMetrics } from '../domain/evaluations/registry-metric-keys';
import type { EvaluateJobContext, EvaluateJobDeps } from './evaluate-job-deps';
import { predictInBatches } from './predict-batches';

/** Tokens one run may hold (ids and per-token bookkeeping stay in memory until predicted). */
export const MAX_LM_TOKENS = 5_000_000;

const decoder = new TextDecoder('utf-8');

/** Code points of a string (a char-level token is one). */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The batch's INT64 `[rows, width]` token-id input; a window shorter than `width` is padded with 0. */
function idsTensor(name: string, ids: Int32Array, windows: readonly LmWindow[], width: number): common.Tensor {
  const raw = Buffer.alloc(windows.length * width * 8);
  windows.forEach((w, r) => {
    for (let t = 0; t < w.length; t++) raw.writeBigInt64LE(BigInt(ids[w.start + t] as number), (r * width + t) * 8);
  });
  return common.Tensor.fromPartial({ name, datatype: common.DataType.DATA_TYPE_INT64, shape: [windows.length, width], rawData: raw });
}

export async function evaluateLanguageModel(deps: EvaluateJobDeps, plan: LanguageModelPlan, runId: string, ctx: EvaluateJobContext): Promise<{ [k: string]: number }> {
  const precision = precisionName(plan.precision) ?? 'fp32';
  const { vocabulary } = parseLmRecipeTag(plan.recipeTag);
  const vocabSize = vocabulary.tokens.length;
  await ctx.progress({ fraction: 0, message: `reading ${plan.dataset}@${plan.snapshot}${plan.split ? ` split ${plan.split}` : ''}` });
  const read: { id: string; index: number; text: string }[] = [];
  for await (const record of deps.snapshots.readRecords({ name: plan.dataset, snapshot: plan.snapshot }, plan.split, ctx.signal)) {
    read.push({ id: record.id, index: read.length, text: decoder.decode(record.data) });
    if (read.length > deps.maxRecords) {
      throw errors.failedPrecondition(`max_records: the split holds more than ${deps.maxRecords} records, the evaluator's limit; set max_records`, { field: 'max_records', reason: 'TOO_MANY_RECORDS' });
    }
  }
  // The sample is by hash, but the stream keeps the split's reading order (a language model reads text in order).
  const records = sampleByHash(read, plan.maxRecords, plan.seed).sort((a, b) => a.index - b.index);
  const ids: number[] = [];
  let characters = 0;
  // The first token is context only: its characters are not among those the model accounted for.
  let firstToken: number | undefined;
  for (const text of lmStreamTexts(records.map((r) => r.text), vocabulary.level)) {
    characters += codePoints(text);
    for (const token of tokenizeLmText(text, vocabulary.level)) {
      firstToken ??= codePoints(token);
      ids.push(vocabulary.idOf.get(token) ?? 0);
    }
    if (ids.length > MAX_LM_TOKENS) {
      throw errors.failedPrecondition(`max_records: the split holds more than ${MAX_LM_TOKENS} tokens, the evaluator's limit for a language model; set max_records`, {
        field: 'max_records',
        reason: 'TOO_MANY_TOKENS',
      });
    }
  }
  const stream = Int32Array.from(ids);
  ids.length = 0;
  const windows = cutLmWindows(stream.length, plan.window);
  // Every row is as long as the longest window: the shorter tail is padded with <unk> after its last input.
  // The model reads left to right, so padding after a position cannot change that position's
  // distribution, and only the tail's own positions are scored.
  const width = windows.reduce((w, x) => Math.max(w, x.length), 0);
  // Per window, summed in window order at the end: the same total whatever order the calls return in.
  const windowNll = new Float64Array(windows.length);
  let unknownTokens = 0;
  await predictInBatches(deps, plan, ctx, windows, {
    unit: 'windows',
    input: (batch) => idsTensor(plan.inputName, stream, batch, width),
    read: (outputs, batch, offset) => {
      const rows = outputScoreRows(outputs, plan.outputName, batch.length * width, vocabSize);
      batch.forEach((w, r) => {
        let nll = 0;
        for (let t = 0; t < w.length; t++) {
          const target = stream[w.start + t + 1] as number;
          if (target === 0) unknownTokens++;
          nll += tokenNll(asProbabilities(rows[r * width + t] as number[]), target);
        }
        windowNll[offset + r] = nll;
      });
    },
  });
  const metrics = languageModelMetrics({
    totalNll: windowNll.reduce((a, b) => a + b, 0),
    tokens: Math.max(0, stream.length - 1),
    unknownTokens,
    characters: characters - (firstToken ?? 0),
    windows: windows.length,
  });
  await ctx.emit('metric', { split: plan.split, precision, records: records.length, metrics });
  if (plan.recordInRegistry) await deps.registry.recordMetrics(plan.modelName, plan.modelVersion, registryMetrics(plan.split, precision, metrics, LM_REGISTRY_METRICS));
  await deps.evaluations.finish(runId, {
    state: 'succeeded',
    finishedAtMs: Date.now(),
    recordsEvaluated: records.length,
    recordsSkipped: 0,
    metrics,
    classification: null,
    token: null,
    predictions: null,
  });
  deps.logger.info({ runId, model: `${plan.modelName}@${plan.modelVersion}`, precision, records: records.length, tokens: metrics['tokens'] ?? 0 }, 'language-model evaluation finished');
  await ctx.progress({ fraction: 1, counters: { windows_done: windows.length, windows_total: windows.length, records_done: records.length }, message: 'evaluated' });
  const headline: { [k: string]: number } = {};
  for (const k of ['perplexity', 'bits_per_token', 'tokens'] as const) if (metrics[k] !== undefined) headline[k] = metrics[k];
  return headline;
}
