import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
// Only the modules this path runs: the package's index also loads every binary parser (pdf.js, sharp,
// exceljs: ~55 MB of RSS, and pdf.js's legacy build swaps in core-js's JSON.parse/JSON.stringify).
import { createExactDedupeStep } from '@l1g1/ingestion/dist/domain/cleaning';
import type { ParsedRecord } from '@l1g1/ingestion/dist/domain/record';
import { parseJsonl } from '@l1g1/ingestion/dist/parsers/text';
import { fileSourceOf, READ_CHUNK_BYTES } from './bench-ingest-corpus';

/** What one pass over the file produced; the two paths must agree on `records` for the ratio to mean anything. */
export interface PassResult {
  seconds: number;
  /** CPU time this process spent in the pass (user + system, every thread: GC helpers count). */
  cpuSeconds: number;
  records: number;
  kept: number;
}

/** The baseline the issue names: `readline` + `JSON.parse`, nothing else. */
export async function baselinePass(path: string): Promise<PassResult> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let records = 0;
  const lines = createInterface({ input: createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const value: unknown = JSON.parse(line);
    if (value !== null) records += 1;
  }
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpu), records, kept: records };
}

/**
 * Our path, in process: the service's JSONL parser (streamed lines, fatal
 * UTF-8 decoding, field mapping, positions), the exact-dedupe step (content id
 * = sha256 of NFKC-normalised text, remembered in a bounded set) and a sink
 * that only counts: what the worker does before records reach the snapshot writer.
 */
export async function ingestPass(path: string, maxRecords?: number): Promise<PassResult> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const dedupe = createExactDedupeStep(maxRecords === undefined ? {} : { maxRecords });
  let records = 0;
  let kept = 0;
  const context = { file: 'bench.jsonl' };
  const sink = (record: ParsedRecord): void => {
    if (dedupe.apply(record, context).kind === 'kept') kept += 1;
  };
  for await (const record of parseJsonl(fileSourceOf(path), { dataField: 'text', idField: 'id' })) {
    records += 1;
    sink(record);
  }
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpu), records, kept };
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
