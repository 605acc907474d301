import { parseArgs } from 'node:util';
import { UsageError } from '../cli-config';
import type { Command } from '../command';

interface Snapshot {
  dataset: string;
  version: number;
  record_count: number;
  size_bytes: number;
  content_sha256: string;
  origin: string;
  splits: Record<string, number>;
  counts: Record<string, unknown>;
  created_at: string | null;
}

/** `NAME` or `NAME@VERSION` (VERSION a positive integer). */
export function parseRef(ref: string): { name: string; version: number } {
  const m = /^([^@]+)(?:@(\d+))?$/.exec(ref);
  if (!m) throw new UsageError(`"${ref}": expected NAME or NAME@VERSION`);
  const version = m[2] === undefined ? 0 : Number(m[2]);
  if (m[2] !== undefined && (version < 1 || version > 2 ** 31 - 1)) throw new UsageError(`"${ref}": the version must be a positive integer`);
  return { name: m[1]!, version };
}

/** `train=0.8,test=0.2` → { train: 0.8, test: 0.2 }. */
export function parseSplit(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (!k || v === undefined || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--split: "${part}" is not NAME=FRACTION (e.g. train=0.8,test=0.2)`);
    out[k] = n;
  }
  return out;
}

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: 'show a snapshot (NAME[@VERSION]), or derive one with --split',
  usage: 'l1g1 snapshot NAME[@VERSION] [--json]\n       l1g1 snapshot NAME[@VERSION] --split train=0.8,test=0.2 [--seed 42] [--stratify-by label] [--json]',
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { split: { type: 'string' }, seed: { type: 'string' }, 'stratify-by': { type: 'string' }, json: { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('give one dataset: NAME or NAME@VERSION');
    const { name, version } = parseRef(positionals[0]!);
    let snap: Snapshot;
    if (values.split !== undefined) {
      if (values.seed !== undefined && !/^-?\d+$/.test(values.seed)) throw new UsageError('--seed must be an integer');
      snap = await ctx.client.json<Snapshot>('POST', `/v1/datasets/${encodeURIComponent(name)}/snapshots`, {
        sources: [{ name, snapshot: version }],
        split: { fractions: parseSplit(values.split), ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}), ...(values['stratify-by'] ? { stratify_by: values['stratify-by'] } : {}) },
      });
    } else {
      if (values.seed !== undefined || values['stratify-by'] !== undefined) throw new UsageError('--seed and --stratify-by go with --split');
      if (version === 0) {
        const d = await ctx.client.json<{ latest_snapshot: number }>('GET', `/v1/datasets/${encodeURIComponent(name)}`);
        snap = await ctx.client.json<Snapshot>('GET', `/v1/datasets/${encodeURIComponent(name)}/snapshots/${d.latest_snapshot}`);
      } else snap = await ctx.client.json<Snapshot>('GET', `/v1/datasets/${encodeURIComponent(name)}/snapshots/${version}`);
    }
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(snap)}\n`);
      return 0;
    }
    ctx.stdout.write(`${snap.dataset}@${snap.version}  ${snap.record_count} records  ${snap.size_bytes} bytes  origin ${snap.origin}  created ${snap.created_at ?? '-'}\n`);
    ctx.stdout.write(`  content_sha256 ${snap.content_sha256}\n`);
    const splits = Object.entries(snap.splits);
    if (splits.length > 0) ctx.stdout.write(`  splits ${splits.map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
    return 0;
  },
};
