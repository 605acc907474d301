import { parseArgs } from 'node:util';
import { UsageError } from '../cli-config';
import type { Command } from '../command';
import { walkInputs } from '../file-walk';
import { multipartStream } from '../multipart-stream';
import { createProgressBar } from '../progress-bar';

interface IngestResult {
  snapshot: { name: string; snapshot: number } | null;
  counts: Record<string, unknown> & { rows_read: number; rows_kept: number; rows_failed: number; files_read: number };
  errors: { file: string; row: number; byte_offset: number; reason: string; message: string }[];
  errors_truncated: boolean;
  replayed: boolean;
  duration_ms: number;
}

interface JobList {
  jobs: { job_id: string; kind: string; state: string; counters: Record<string, number>; created_at: string | null }[];
}

/** How often the running upload's job is asked for its counters (records, errors). */
const JOB_POLL_MS = 500;

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'upload files and folders into a new snapshot of a dataset',
  usage:
    'l1g1 ingest <files or folders...> --dataset NAME [--format F] [--append] [--dedupe none|exact|near] [--pii email,phone,...] [--label-from-folder] [--json] [--quiet]',
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        dataset: { type: 'string' },
        format: { type: 'string' },
        append: { type: 'boolean' },
        dedupe: { type: 'string' },
        pii: { type: 'string' },
        'label-from-folder': { type: 'boolean' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
    });
    if (!values.dataset) throw new UsageError('--dataset NAME is required');
    if (positionals.length === 0) throw new UsageError('give at least one file or folder');
    let files;
    try {
      files = await walkInputs(positionals);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    if (files.length === 0) throw new UsageError(`no files under ${positionals.join(', ')}`);

    const q = new URLSearchParams();
    if (values.format) q.set('format', values.format);
    if (values.append) q.set('write_mode', 'append');
    if (values.dedupe) q.set('dedupe', values.dedupe);
    if (values.pii) q.set('pii', values.pii);
    if (values['label-from-folder']) q.set('label_from_folder', 'true');
    const path = `/v1/datasets/${encodeURIComponent(values.dataset)}/uploads${q.size > 0 ? `?${q}` : ''}`;

    const totalBytes = files.reduce((n, f) => n + f.sizeBytes, 0);
    const bar = createProgressBar(ctx.stderr, !values.quiet && !values.json);
    const progress = { bytes: 0, totalBytes, files: 0, totalFiles: files.length, records: undefined as number | undefined, errors: undefined as number | undefined };
    const { body, contentType } = multipartStream(files, (n, fileDone) => {
      progress.bytes += n;
      if (fileDone) progress.files++;
      bar.update(progress);
    });
    // Records and errors are counted by the service's job: follow the newest
    // running upload job of this dataset while the bytes go (best effort).
    const started = Date.now();
    const poll = setInterval(() => {
      ctx.client
        .json<JobList>('GET', `/v1/ingestion/jobs?dataset=${encodeURIComponent(values.dataset!)}&state=running`)
        .then((r) => {
          const job = r.jobs.find((j) => j.kind === 'ingestion.ingest' && (j.created_at === null || Date.parse(j.created_at) >= started - 1000));
          if (!job) return;
          progress.records = job.counters['records'] ?? progress.records;
          progress.errors = job.counters['errors'] ?? progress.errors;
          bar.update(progress);
        })
        .catch(() => undefined);
    }, JOB_POLL_MS);
    let result: IngestResult;
    try {
      result = await ctx.client.stream<IngestResult>('POST', path, body, contentType);
    } finally {
      clearInterval(poll);
      bar.done();
    }
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    const c = result.counts;
    const ref = result.snapshot ? `${result.snapshot.name}@${result.snapshot.snapshot}` : '(none)';
    ctx.stdout.write(`${result.replayed ? 'replayed (identical upload; nothing added)' : 'snapshot'} ${ref}\n`);
    for (const [k, v] of Object.entries(c)) if (typeof v === 'number') ctx.stdout.write(`  ${k.padEnd(20)} ${v}\n`);
    if (result.errors.length > 0) {
      ctx.stdout.write(`errors${result.errors_truncated ? ' (first ones)' : ''}:\n`);
      for (const e of result.errors) ctx.stdout.write(`  ${e.file}${e.row ? `:${e.row}` : ''} @${e.byte_offset} ${e.reason}: ${e.message}\n`);
    }
    return 0;
  },
};
