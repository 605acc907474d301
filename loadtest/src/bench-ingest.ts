/**
 * `npm run bench:ingest -- [--size-mb 64] [--rss-size-mb 1024] [--rounds 5] [--skip rss,spam,dedupe]`:
 * the ingestion benchmarks of issue 7, one JSON line per figure, each with machine and date.
 * - `jsonl_throughput`: our JSONL parser + exact dedupe against a bare
 *   `readline` + `JSON.parse` loop over the same generated file, same process,
 *   interleaved (A B A B ...), medians and their ratio. Aim >= 0.7x.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeJsonlCorpus } from './bench-ingest-corpus';
import { baselinePass, ingestPass, median } from './bench-ingest-jsonl';
import { machineInfo } from './bench-ingest-machine';

const MB = 1024 * 1024;

function boundedNumber(raw: string | undefined, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new RangeError(`--${name} must be a number in [${min}, ${max}], got ${raw}`);
  return value;
}

async function jsonlThroughput(dir: string, sizeMb: number, rounds: number): Promise<void> {
  const path = join(dir, 'throughput.jsonl');
  const file = await writeJsonlCorpus(path, { sizeBytes: sizeMb * MB });
  const a: number[] = [];
  const b: number[] = [];
  let records = 0;
  let kept = 0;
  for (let round = 0; round < rounds; round += 1) {
    const base = await baselinePass(path);
    const ours = await ingestPass(path);
    if (base.records !== ours.records) throw new Error(`the two passes disagree: ${base.records} vs ${ours.records} records`);
    a.push(file.sizeBytes / MB / base.seconds);
    b.push(file.sizeBytes / MB / ours.seconds);
    records = ours.records;
    kept = ours.kept;
  }
  const baseline = median(a);
  const ingest = median(b);
  console.log(JSON.stringify({
    bench: 'ingest', figure: 'jsonl_throughput', file_mb: Number((file.sizeBytes / MB).toFixed(1)), records, kept_after_exact_dedupe: kept, rounds,
    baseline_mb_per_s: Number(baseline.toFixed(1)), ingest_mb_per_s: Number(ingest.toFixed(1)), ratio: Number((ingest / baseline).toFixed(3)), aim: '>= 0.7',
    baseline_runs_mb_per_s: a.map((v) => Number(v.toFixed(1))), ingest_runs_mb_per_s: b.map((v) => Number(v.toFixed(1))), ...machineInfo(),
  }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'size-mb': { type: 'string', default: '64' },
      'rss-size-mb': { type: 'string', default: '1024' },
      rounds: { type: 'string', default: '5' },
      skip: { type: 'string', default: '' },
    },
  });
  const sizeMb = boundedNumber(values['size-mb'], 'size-mb', 1, 1024);
  const rounds = Math.round(boundedNumber(values.rounds, 'rounds', 1, 15));
  const skip = new Set(values.skip.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  const dir = mkdtempSync(join(tmpdir(), 'l1g1-bench-ingest-'));
  try {
    if (!skip.has('throughput')) await jsonlThroughput(dir, sizeMb, rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
