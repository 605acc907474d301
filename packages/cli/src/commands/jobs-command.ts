import { parseArgs } from 'node:util';
import { UsageError } from '../cli-config';
import type { Command } from '../command';
import { followJob, type TrainingJobJson } from './train-command';

interface JobList {
  jobs: (TrainingJobJson & { created_at: string | null; spec?: { data?: { dataset?: { name: string; snapshot: number } } } })[];
  next_page_token: string;
}

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'list training jobs, show one, cancel, resume or watch it',
  usage: 'l1g1 jobs [--state queued|running|succeeded|failed|cancelled] [--json]\n       l1g1 jobs JOB_ID [--cancel | --resume | --watch] [--json]',
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { state: { type: 'string' }, cancel: { type: 'boolean' }, resume: { type: 'boolean' }, watch: { type: 'boolean' }, json: { type: 'boolean' } },
    });
    if (positionals.length > 1) throw new UsageError('give at most one job id');
    const id = positionals[0];
    if (id === undefined) {
      if (values.cancel || values.resume || values.watch) throw new UsageError('--cancel, --resume and --watch need a JOB_ID');
      const q = values.state ? `?state=${encodeURIComponent(values.state)}` : '';
      const list = await ctx.client.json<JobList>('GET', `/v1/training/jobs${q}`);
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(list)}\n`);
        return 0;
      }
      for (const j of list.jobs) {
        const d = j.spec?.data?.dataset;
        ctx.stdout.write(`${j.job_id}  ${j.state.padEnd(9)}  step ${j.training.step}/${j.training.total_steps}  loss ${j.training.loss.toFixed(4)}  ${d ? `${d.name}@${d.snapshot}` : '-'}  ${j.created_at ?? '-'}\n`);
      }
      if (list.jobs.length === 0) ctx.stdout.write('no training jobs\n');
      return 0;
    }
    if ([values.cancel, values.resume, values.watch].filter(Boolean).length > 1) throw new UsageError('give one of --cancel, --resume, --watch');
    const path = `/v1/training/jobs/${encodeURIComponent(id)}`;
    if (values.watch) return followJob(id, values.json === true, ctx);
    const job = values.cancel ? await ctx.client.json<TrainingJobJson>('POST', `${path}:cancel`, {}) : values.resume ? await ctx.client.json<TrainingJobJson>('POST', `${path}:resume`, {}) : await ctx.client.json<TrainingJobJson>('GET', path);
    if (values.json) ctx.stdout.write(`${JSON.stringify(job)}\n`);
    else ctx.stdout.write(`${job.job_id}  ${job.state}  step ${job.training.step}/${job.training.total_steps}  loss ${job.training.loss.toFixed(4)}${job.message ? `  ${job.message}` : ''}\n`);
    return 0;
  },
};
