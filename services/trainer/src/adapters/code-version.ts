/**
 * The code version recorded in every registered model's lineage:
 * L1G1_CODE_VERSION when set (images and CI pass the commit), else the git
 * commit of the checkout the trainer runs from, else the package version.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function detectCodeVersion(configured: string | undefined): string {
  if (configured) return configured;
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, encoding: 'utf8', timeout: 2000 });
  const sha = git.status === 0 ? git.stdout.trim() : '';
  if (/^[0-9a-f]{40}$/.test(sha)) return `git:${sha}`;
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { name?: string; version?: string };
    return `${pkg.name ?? '@l1g1/trainer'}@${pkg.version ?? '0.0.0'}`;
  } catch {
    return '@l1g1/trainer@unknown';
  }
}
