import { parseArgs } from 'node:util';
import type { Command } from '../command';

interface DatasetList {
  datasets: { name: string; latest_snapshot: number; snapshot_count: number; updated_at: string | null; privacy_budget_remaining: number }[];
  next_page_token: string;
}

/** Pages read at most (1000 datasets each): bounded even against a misbehaving server. */
const MAX_PAGES = 100;

export const datasetsCommand: Command = {
  name: 'datasets',
  summary: 'list datasets',
  usage: 'l1g1 datasets [--query TEXT] [--json]',
  async run(args, ctx) {
    const { values } = parseArgs({ args, options: { query: { type: 'string' }, json: { type: 'boolean' } } });
    const all: DatasetList['datasets'] = [];
    let token = '';
    for (let i = 0; i < MAX_PAGES; i++) {
      const q = new URLSearchParams({ page_size: '1000', ...(token ? { page_token: token } : {}), ...(values.query ? { query: values.query } : {}) });
      const page = await ctx.client.json<DatasetList>('GET', `/v1/datasets?${q}`);
      all.push(...page.datasets);
      token = page.next_page_token;
      if (!token) break;
    }
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify({ datasets: all })}\n`);
      return 0;
    }
    if (all.length === 0) ctx.stdout.write('no datasets\n');
    for (const d of all) ctx.stdout.write(`${d.name.padEnd(32)} latest ${String(d.latest_snapshot).padStart(4)}  snapshots ${String(d.snapshot_count).padStart(4)}  updated ${d.updated_at ?? '-'}\n`);
    return 0;
  },
};
