/**
 * `npm run demo`'s chain as a test: the same runDemo the command runs,
 * against the same in-process suite (every service real, embedded storage in
 * a temporary data directory), on a quarter of the SpamAssassin corpus so
 * the default test run stays bounded (the whole corpus is the command's;
 * its figures are in BENCHMARKS.md). Stage times are printed, not asserted.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DEMO_OPTIONS, runDemo, type DemoOptions, type DemoReport } from '../src/demo/demo-chain';
import { demoCorpus } from '../src/demo/spam-corpus';
import { startDemoSuite, type DemoSuite } from '../src/demo/start-demo-suite';

/** Every 4th mail (~1,500): enough for the tuned recipe to learn, a quarter of the parse time. */
const EVERY = 4;
/** The gate's floor on the quarter corpus (the whole corpus is held to 0.990 by the command). */
const OPTIONS: DemoOptions = { ...DEFAULT_DEMO_OPTIONS, minMacroF1: 0.9 };

describe('npm run demo: raw mails → ingestion → trainer → evaluator → gate → production → REST prediction', function () {
  // Parsing ~1,500 mails and training dominate; bounded for a loaded 2-core CI box.
  this.timeout(900_000);
  let dataDir: string;
  let suite: DemoSuite | undefined;
  let first: DemoReport;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'l1g1-demo-test-'));
    suite = await startDemoSuite(dataDir);
  });
  after(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the chain: a split snapshot, fp32/fp16/int8 with lineage, checked variants, the gate moving production, and the held-out mail predicted right', async () => {
    const corpus = demoCorpus(EVERY);
    assert.ok(!corpus.upload.some((f) => f.name === corpus.heldOut.name), 'the held-out mail is not uploaded');
    first = await runDemo(suite!.targets, corpus, OPTIONS, (line) => console.log(line));

    assert.equal(first.ingest.replayed, false);
    assert.ok(first.ingest.kept > 1000 && first.ingest.failed === 0, JSON.stringify(first.ingest));
    // 80/20 stratified: the test split is a fifth of the kept mails (rounding per label).
    assert.equal(first.split.train + first.split.test, first.ingest.kept);
    assert.ok(Math.abs(first.split.test - first.ingest.kept / 5) <= 2, JSON.stringify(first.split));
    assert.ok((first.metrics['macro_f1'] ?? 0) >= OPTIONS.minMacroF1, `macro_f1 ${first.metrics['macro_f1']}`);

    // Lineage: the version points at the split snapshot and the job; the run's trace id is on it.
    assert.deepEqual([first.lineage.dataset, first.lineage.snapshot, first.lineage.trainingJobId], ['spamassassin', first.split.snapshot, first.job.jobId]);
    assert.equal(first.lineage.traceTag, first.traceId);

    // Both variants were compared with fp32 and their decision is recorded where inference reads it.
    assert.deepEqual(first.variants.map((v) => v.precision), ['fp16', 'int8']);
    for (const v of first.variants) assert.match(v.evidence, /^macro_f1 .* vs fp32 .*McNemar/);

    // The gate passed and moved production to the new version; the prediction was served from it.
    assert.equal(first.gate.passed, true, first.gate.reasons.join('; '));
    assert.deepEqual(first.alias, { name: 'production', version: first.version });
    assert.equal(first.prediction.alias, 'production');
    assert.equal(first.prediction.httpStatus, 200);
    assert.equal(first.prediction.predicted, first.prediction.truth, JSON.stringify(first.prediction));
  });

  it('a second run redoes nothing: the upload replays, the split and the job are reused, the version is the same', async () => {
    assert.ok(first, 'the first run succeeded');
    const second = await runDemo(suite!.targets, demoCorpus(EVERY), OPTIONS, (line) => console.log(line));
    assert.equal(second.ingest.replayed, true);
    assert.equal(second.ingest.snapshot, first.ingest.snapshot);
    assert.deepEqual([second.split.snapshot, second.split.reused], [first.split.snapshot, true]);
    assert.deepEqual([second.job.jobId, second.job.reused, second.version], [first.job.jobId, true, first.version]);
    assert.equal(second.metrics['macro_f1'], first.metrics['macro_f1'], 'the evaluation runs are replayed, not redone');
    assert.equal(second.alias.version, first.version);
    assert.equal(second.traceId, first.traceId, 'the second run joins the trace of the run that made the split and the job');
  });
});
