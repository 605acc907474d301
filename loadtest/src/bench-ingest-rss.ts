import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** VmHWM (peak resident set) of a live process in bytes; 0 once it is gone. */
export function peakRssOf(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface ChildPeak {
  /** What the child printed (its own counts and its VmHWM at the end). */
  report: { seconds: number; records: number; kept: number; baseline_rss_bytes: number; vmhwm_bytes: number };
  /** The highest VmHWM the parent read from /proc while the child ran. */
  sampledPeakBytes: number;
}

const SAMPLE_EVERY_MS = 50;

/**
 * Runs the parse + exact dedupe of `path` in a child process (the rss child
 * script) and samples its VmHWM from /proc; the child's own reading at its
 * end is the authoritative peak, the parent's confirms it. Bounded by `timeoutMs`.
 */
export async function measureChildPeak(path: string, timeoutMs: number): Promise<ChildPeak> {
  const child = spawn(process.execPath, [join(__dirname, 'bench-ingest-rss-child.js'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let sampledPeakBytes = 0;
  const timer = setInterval(() => {
    if (child.pid !== undefined) sampledPeakBytes = Math.max(sampledPeakBytes, peakRssOf(child.pid));
  }, SAMPLE_EVERY_MS);
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  try {
    const code = await new Promise<number | null>((done, fail) => child.once('error', fail).once('exit', (c) => done(c)));
    if (code !== 0) throw new Error(`the rss child exited with ${code} (killed after ${timeoutMs} ms if null)`);
  } finally {
    clearInterval(timer);
    clearTimeout(killer);
  }
  return { report: JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildPeak['report'], sampledPeakBytes };
}
