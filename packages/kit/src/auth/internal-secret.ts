import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the embedded suite keeps its internal secret. */
export function internalSecretPath(dataDir: string): string {
  return join(dataDir, 'auth', 'internal.secret');
}

/**
 * The secret our processes sign forwarded principals with:
 * `L1G1_INTERNAL_SECRET` when set (the launcher, compose and k8s pass it),
 * else `<data dir>/auth/internal.secret`, created on first use (mode 0600).
 * Creation is race-free: the file is written aside, then hard-linked into
 * place, which fails if another process got there first.
 */
export function loadInternalSecret(fromEnv: string | undefined, dataDir: string): string {
  if (fromEnv) return fromEnv;
  const path = internalSecretPath(dataDir);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, randomBytes(32).toString('base64url'), { mode: 0o600 });
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readFileSync(path, 'utf8').trim();
}
