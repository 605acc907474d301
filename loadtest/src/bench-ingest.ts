/**
 * `npm run bench:ingest -- [--size-mb 16] [--rss-size-mb 1024] [--rounds 5] [--dedupe-records 20000] [--skip throughput,rss,spam,service,dedupe]`:
 * the ingestion benchmarks of issue 7, one JSON line per figure, each with machine and date.
 * - `jsonl_throughput` (twice: short records of ~40 words, documents of ~200):
 *   our JSONL parser + exact dedupe against a bare `readline` + `JSON.parse`
 *   loop over the same generated file, same process, interleaved (A B A B ...),
 *   medians and their ratio, by wall time and by this process's CPU time
 *   (steadier on a shared machine). Aim >= 0.7x.
 * - `jsonl_peak_rss`: a generated JSONL of `--rss-size-mb` (default 1 GB, in a
 *   temp dir deleted after) parsed + exact-deduped in a child process whose
 *   VmHWM is read from /proc. Aim < 300 MB.
 * - `spam_assassin_in_process`: the 6,046 raw mails parsed and cleaned
 *   (NFKC, exact dedupe, near dedupe, PII), seconds and records per step.
 * - `spam_assassin_service`: the same mails END TO END through the real
 *   ingestion service (gRPC Ingest → spool → job → worker thread parse +
 *   clean → Parquet snapshot published): seconds and the IngestResult's counts.
 * - `dedupe` (bench-dedupe, run as a child with --expose-gc): MinHash near
 *   dedupe records/s and recall at Jaccard >= 0.8; exact dedupe records/s.
 * Every loop is bounded in size; the whole run takes about 3 minutes on 2 cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { writeJsonlCorpus } from './bench-ingest-corpus';
import { measureChildPeak } from './bench-ingest-rss';
import { ingestThroughService } from './bench-ingest-service';
import { ingestSpamInProcess, spamAssassinFiles, spamAssassinRoot, stepFigures } from './bench-ingest-spam';
import { baselinePass, ingestPass, median } from './bench-ingest-jsonl';
import { machineInfo } from './bench-ingest-machine';

const MB = 1024 * 1024;

function boundedNumber(raw: string | undefined, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new RangeError(`--${name} must be a number in [${min}, ${max}], got ${raw}`);
  return value;
}

async function jsonlThroughput(dir: string, sizeMb: number, rounds: number, words: number): Promise<void> {
  const path = join(dir, `throughput-${words}.jsonl`);
  const file = await writeJsonlCorpus(path, { sizeBytes: sizeMb * MB, words });
  const a: number[] = [];
  const b: number[] = [];
  const aCpu: number[] = [];
  const bCpu: number[] = [];
  let records = 0;
  let kept = 0;
  for (let round = 0; round < rounds; round += 1) {
    const base = await baselinePass(path);
    const ours = await ingestPass(path);
    if (base.records !== ours.records) throw new Error(`the two passes disagree: ${base.records} vs ${ours.records} records`);
    a.push(file.sizeBytes / MB / base.seconds);
    b.push(file.sizeBytes / MB / ours.seconds);
    aCpu.push(file.sizeBytes / MB / base.cpuSeconds);
    bCpu.push(file.sizeBytes / MB / ours.cpuSeconds);
    records = ours.records;
    kept = ours.kept;
  }
  const baseline = median(a);
  const ingest = median(b);
  const baselineCpu = median(aCpu);
  const ingestCpu = median(bCpu);
  rmSync(path, { force: true });
  console.log(JSON.stringify({
    bench: 'ingest', figure: 'jsonl_throughput', file_mb: Number((file.sizeBytes / MB).toFixed(1)), words_per_text: words,
    bytes_per_line: Math.round(file.sizeBytes / file.lines), records, kept_after_exact_dedupe: kept, rounds,
    // On a shared machine wall time swings with the neighbours' load; CPU time per MB does much less.
    baseline_mb_per_cpu_s: Number(baselineCpu.toFixed(1)), ingest_mb_per_cpu_s: Number(ingestCpu.toFixed(1)), ratio_cpu: Number((ingestCpu / baselineCpu).toFixed(3)),
    baseline_mb_per_s: Number(baseline.toFixed(1)), ingest_mb_per_s: Number(ingest.toFixed(1)), ratio_wall: Number((ingest / baseline).toFixed(3)), aim: '>= 0.7',
    baseline_runs_mb_per_s: a.map((v) => Number(v.toFixed(1))), ingest_runs_mb_per_s: b.map((v) => Number(v.toFixed(1))),
    baseline_runs_mb_per_cpu_s: aCpu.map((v) => Number(v.toFixed(1))), ingest_runs_mb_per_cpu_s: bCpu.map((v) => Number(v.toFixed(1))), ...machineInfo(),
  }));
}

async function jsonlPeakRss(dir: string, sizeMb: number): Promise<void> {
  const path = join(dir, 'rss.jsonl');
  const generated = performance.now();
  const file = await writeJsonlCorpus(path, { sizeBytes: sizeMb * MB });
  const generateSeconds = (performance.now() - generated) / 1000;
  // Bounded: a 1 GB run takes about a minute on a quiet 2-core machine; ten is a hang.
  const { report, sampledPeakBytes } = await measureChildPeak(path, 10 * 60_000);
  rmSync(path, { force: true });
  const peak = Math.max(report.vmhwm_bytes, sampledPeakBytes);
  console.log(JSON.stringify({
    bench: 'ingest', figure: 'jsonl_peak_rss', file_mb: Number((file.sizeBytes / MB).toFixed(1)), records: report.records, kept_after_exact_dedupe: report.kept,
    generate_seconds: Number(generateSeconds.toFixed(1)), seconds: Number(report.seconds.toFixed(1)), mb_per_s: Number((file.sizeBytes / MB / report.seconds).toFixed(1)),
    peak_rss_mb: Number((peak / MB).toFixed(1)), baseline_rss_mb: Number((report.baseline_rss_bytes / MB).toFixed(1)), aim: '< 300 MB', ...machineInfo(),
  }));
}

async function spamThroughService(): Promise<void> {
  const files = spamAssassinFiles();
  const { seconds, result } = await ingestThroughService(spamAssassinRoot(), files, 'spam-assassin');
  const c = result.counts;
  console.log(JSON.stringify({
    bench: 'ingest', figure: 'spam_assassin_service', mails: files.length, seconds: Number(seconds.toFixed(1)), job_duration_ms: result.durationMs,
    snapshot: result.snapshot ? `${result.snapshot.name}@${result.snapshot.snapshot}` : null,
    files_read: c?.filesRead, mb_read: c ? Number((c.bytesRead / MB).toFixed(1)) : null, rows_read: c?.rowsRead, rows_failed: c?.rowsFailed,
    exact_duplicates: c?.exactDuplicates, near_duplicates: c?.nearDuplicates, filtered_length: c?.filteredLength, filtered_language: c?.filteredLanguage,
    rows_kept: c?.rowsKept, rows_redacted: c?.rowsRedacted, redactions_by_kind: c?.redactionsByKind, errors: result.errors.length, ...machineInfo(),
  }));
}

async function spamInProcess(): Promise<void> {
  const run = await ingestSpamInProcess(spamAssassinFiles());
  console.log(JSON.stringify({
    bench: 'ingest', figure: 'spam_assassin_in_process', mails: run.mails, mb: Number((run.bytes / MB).toFixed(1)), failed_files: run.failedFiles,
    records: run.records, kept: run.report.kept, dropped: run.report.dropped, dropped_by: run.report.droppedBy, seconds: Number(run.seconds.toFixed(1)),
    steps: stepFigures(run.report), ...machineInfo(),
  }));
}

/** bench-dedupe in a child (it wants --expose-gc for its heap figures); its lines pass through, tagged. */
function nearDedupe(records: number): void {
  const child = spawnSync(process.execPath, ['--expose-gc', join(__dirname, 'bench-dedupe.js'), '--records', String(records)], { encoding: 'utf8', timeout: 5 * 60_000 });
  if (child.status !== 0) throw new Error(`bench-dedupe failed (${child.status ?? child.signal}): ${child.stderr.slice(-2000)}`);
  for (const line of child.stdout.trim().split('\n')) console.log(JSON.stringify({ ...(JSON.parse(line) as object), date: new Date().toISOString() }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'size-mb': { type: 'string', default: '16' },
      'dedupe-records': { type: 'string', default: '20000' },
      'rss-size-mb': { type: 'string', default: '1024' },
      rounds: { type: 'string', default: '5' },
      skip: { type: 'string', default: '' },
    },
  });
  const sizeMb = boundedNumber(values['size-mb'], 'size-mb', 1, 1024);
  const rssSizeMb = boundedNumber(values['rss-size-mb'], 'rss-size-mb', 1, 4096);
  const dedupeRecords = Math.round(boundedNumber(values['dedupe-records'], 'dedupe-records', 100, 200_000));
  const rounds = Math.round(boundedNumber(values.rounds, 'rounds', 1, 15));
  const skip = new Set(values.skip.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  const dir = mkdtempSync(join(tmpdir(), 'l1g1-bench-ingest-'));
  try {
    if (!skip.has('throughput')) {
      await jsonlThroughput(dir, sizeMb, rounds, 40);
      await jsonlThroughput(dir, sizeMb, rounds, 200);
    }
    if (!skip.has('rss')) await jsonlPeakRss(dir, rssSizeMb);
    if (!skip.has('spam')) await spamInProcess();
    if (!skip.has('service')) await spamThroughService();
    if (!skip.has('dedupe')) nearDedupe(dedupeRecords);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
