/**
 * `node --expose-gc loadtest/dist/bench-dedupe.js [--records 20000] [--words 80] [--near-share 0.2]`:
 * the ingestion cleaning steps' dedupe on generated prose. Distinct texts of
 * `--words` made-up words, and a share of planted near duplicates (1 to 3
 * words replaced, one inserted, one removed), shuffled in after their
 * originals. Measures, per case:
 * - near dedupe (MinHash 128 permutations, LSH 32 × 4, threshold 0.8):
 *   records/s, recall on planted pairs whose exact shingle Jaccard is >= 0.8,
 *   distinct texts wrongly dropped, heap + ArrayBuffer bytes per kept record;
 * - exact dedupe (sha256 of normalised text): records/s, heap + ArrayBuffer bytes per kept record.
 *
 * One JSON line per case (`{"bench":"dedupe",...}`). Bounded: at most
 * 200,000 records, generated in memory (about 600 bytes each at 80 words).
 */
import { cpus, platform, release } from 'node:os';
import { parseArgs } from 'node:util';
import { createExactDedupeStep, createNearDedupeStep, exactJaccard, type CleaningStep } from '@l1g1/ingestion/dist/domain/cleaning';
import type { ParsedRecord } from '@l1g1/ingestion';

/** sfc32, seeded: the same corpus on every run. */
function seeded(seed: number): () => number {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (((c << 21) | (c >>> 11)) + t) >>> 0;
    return t / 0x1_0000_0000;
  };
}

interface Item {
  text: string;
  /** Index of the original this is a planted near duplicate of. */
  of?: number;
}

function corpus(records: number, words: number, nearShare: number): Item[] {
  const random = seeded(42);
  const vocabulary = Array.from({ length: 5000 }, () =>
    Array.from({ length: 3 + Math.floor(random() * 7) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join(''),
  );
  const word = (): string => vocabulary[Math.floor(random() * vocabulary.length)] ?? 'x';
  const nearCount = Math.floor(records * nearShare);
  const originals = Array.from({ length: records - nearCount }, () => Array.from({ length: words }, word));
  const items: Item[] = originals.map((w) => ({ text: w.join(' ') }));
  for (let i = 0; i < nearCount; i += 1) {
    const of = Math.floor(random() * originals.length);
    const copy = [...(originals[of] ?? [])];
    const edits = 1 + (i % 3);
    for (let e = 0; e < edits; e += 1) copy[Math.floor(random() * copy.length)] = word();
    copy.splice(Math.floor(random() * copy.length), 0, word());
    copy.splice(Math.floor(random() * copy.length), 1);
    items.push({ text: copy.join(' '), of });
  }
  return items;
}

/** Heap plus ArrayBuffers: exact dedupe keeps its digests in typed arrays, off the V8 heap. */
function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function run(step: CleaningStep, items: readonly Item[]): { seconds: number; outcomes: boolean[]; bytesPerKept: number } {
  const base = heapUsed();
  const started = performance.now();
  const outcomes = items.map((item, i) => {
    const record: ParsedRecord = { modality: 'text', contentType: 'text/plain', data: item.text, metadata: {}, position: { line: i + 1 } };
    return step.apply(record, { file: 'bench.jsonl' }).kind === 'kept';
  });
  const seconds = (performance.now() - started) / 1000;
  const kept = outcomes.filter(Boolean).length;
  return { seconds, outcomes, bytesPerKept: Math.round((heapUsed() - base) / Math.max(1, kept)) };
}

function main(): void {
  const { values } = parseArgs({
    options: { records: { type: 'string', default: '20000' }, words: { type: 'string', default: '80' }, 'near-share': { type: 'string', default: '0.2' } },
  });
  const records = Math.min(200_000, Math.max(100, Number(values.records)));
  const words = Math.min(1000, Math.max(10, Number(values.words)));
  const nearShare = Math.min(0.5, Math.max(0, Number(values['near-share'])));
  const items = corpus(records, words, nearShare);
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, os: `${platform()} ${release()}`, node: process.version };
  const originals = items.filter((i) => i.of === undefined).length;

  const near = run(createNearDedupeStep({ maxRecords: records }), items);
  const planted = items.map((item, i) => ({ item, i })).filter(({ item }) => item.of !== undefined && exactJaccard(item.text, items[item.of]?.text ?? '') >= 0.8);
  const found = planted.filter(({ i }) => near.outcomes[i] === false).length;
  const distinctDropped = near.outcomes.slice(0, originals).filter((k) => !k).length;
  console.log(JSON.stringify({
    bench: 'dedupe', step: 'near_dedupe', records, words, permutations: 128, bands: 32, rows: 4, threshold: 0.8,
    records_per_s: Math.round(records / near.seconds), seconds: Number(near.seconds.toFixed(2)),
    planted_pairs_j_ge_0_8: planted.length, recall: Number((found / Math.max(1, planted.length)).toFixed(4)),
    distinct_dropped: distinctDropped, heap_and_array_buffer_bytes_per_kept_record: near.bytesPerKept, ...machine,
  }));
  const exact = run(createExactDedupeStep({ maxRecords: records }), items);
  console.log(JSON.stringify({
    bench: 'dedupe', step: 'exact_dedupe', records, words,
    records_per_s: Math.round(records / exact.seconds), seconds: Number(exact.seconds.toFixed(2)),
    kept: exact.outcomes.filter(Boolean).length, heap_and_array_buffer_bytes_per_kept_record: exact.bytesPerKept, ...machine,
  }));
}

main();
