/**
 * `node loadtest/dist/bench-ingest-rss-child.js <file.jsonl>`: the JSONL
 * parse + exact dedupe of bench:ingest's peak-RSS case, alone in its process
 * so its VmHWM is the path's own. Prints one JSON line: records, kept,
 * seconds, the exact-dedupe set's bytes and its own VmHWM.
 */
import { readFileSync } from 'node:fs';
import { ingestPass } from './bench-ingest-jsonl';

function ownPeakRssBytes(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: bench-ingest-rss-child <file.jsonl>');
  // What the process holds before the first byte: node plus the modules of the path.
  const baselineRssBytes = process.memoryUsage().rss;
  const result = await ingestPass(path);
  console.log(JSON.stringify({ ...result, baseline_rss_bytes: baselineRssBytes, vmhwm_bytes: ownPeakRssBytes() }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
