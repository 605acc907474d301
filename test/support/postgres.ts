/**
 * A real, throwaway PostgreSQL for tests: `initdb` in a temporary folder, a
 * free port on 127.0.0.1, trust auth, one database per suite; stopped and
 * removed after the suite. With `L1G1_TEST_DATABASE_URL` set, that server is
 * used instead (a database is still created and dropped per suite).
 *
 * Where PostgreSQL cannot be started (no binaries, no `postgres` user when
 * running as root), the suite is skipped with the reason printed: a laptop
 * without PostgreSQL still runs the rest of the tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '@l1g1/kit';

export interface TestPostgres {
  /** Connection string of a database created for this suite. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Why PostgreSQL cannot run here, or the way to run its binaries. */
type Launch = { ok: false; reason: string } | { ok: true; bindir: string; asUser: string | undefined; uid: number; gid: number };

function findLaunch(): Launch {
  let bindir: string;
  try {
    bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    bindir = '/usr/lib/postgresql/15/bin';
  }
  // Debian's pg_config may name /usr/bin, which lacks initdb; the versioned folder has it.
  if (!existsSync(join(bindir, 'initdb')) && existsSync('/usr/lib/postgresql/15/bin/initdb')) bindir = '/usr/lib/postgresql/15/bin';
  if (!existsSync(join(bindir, 'initdb')) || !existsSync(join(bindir, 'pg_ctl'))) {
    return { ok: false, reason: `PostgreSQL binaries not found (pg_config --bindir: ${bindir}); set L1G1_TEST_DATABASE_URL or install postgresql` };
  }
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { ok: true, bindir, asUser: undefined, uid, gid: process.getgid?.() ?? -1 };
  // initdb refuses to run as root: run the cluster as the `postgres` user.
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0 || gid.status !== 0) return { ok: false, reason: 'running as root and there is no `postgres` user to run initdb as' };
  return { ok: true, bindir, asUser: 'postgres', uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function run(launch: Extract<Launch, { ok: true }>, tool: string, args: string[]): void {
  const bin = join(launch.bindir, tool);
  const [cmd, argv] = launch.asUser ? ['runuser', ['-u', launch.asUser, '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000, cwd: tmpdir() });
  if (r.status !== 0) throw new Error(`${tool} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
}

async function createDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `l1g1_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Starts a cluster (or uses L1G1_TEST_DATABASE_URL); a string says why it cannot. */
export async function startTestPostgres(): Promise<TestPostgres | string> {
  const external = process.env['L1G1_TEST_DATABASE_URL'];
  if (external) {
    const db = await createDatabase(external);
    return { url: db.url, stop: () => db.drop() };
  }
  const launch = findLaunch();
  if (!launch.ok) return launch.reason;
  const dir = mkdtempSync(join(tmpdir(), 'l1g1-pg-'));
  const dataDir = join(dir, 'data');
  chownSync(dir, launch.uid, launch.gid);
  const port = await freePort();
  let started = false;
  const stopCluster = (): void => {
    if (started) {
      // immediate: the data is thrown away anyway.
      try {
        run(launch, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already gone; the folder is removed below either way
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run(launch, 'initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    // fsync off and the socket in our folder: a throwaway cluster needs neither durability nor /var/run.
    const opts = `-h 127.0.0.1 -p ${port} -k ${dir} -F -c max_connections=100`;
    run(launch, 'pg_ctl', ['-D', dataDir, '-o', opts, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', 'start']);
    started = true;
    const db = await createDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`);
    return {
      url: db.url,
      async stop() {
        stopCluster();
      },
    };
  } catch (err) {
    stopCluster();
    throw err;
  }
}

/**
 * Mocha hooks for a describe block: a database for its tests, or the block
 * skipped with the reason printed when PostgreSQL is unavailable here.
 */
export function usePostgres(): { readonly url: string } {
  let pg: TestPostgres | undefined;
  before(async function () {
    this.timeout(120_000);
    const started = await startTestPostgres();
    if (typeof started === 'string') {
      console.log(`      (skipped: ${started})`);
      this.skip();
    }
    pg = started;
  });
  after(async () => {
    await pg?.stop();
  });
  return {
    get url(): string {
      if (!pg) throw new Error('PostgreSQL starts in a before() hook; use it inside tests');
      return pg.url;
    },
  };
}

/** Empties `tables` (a comma-separated list) between tests that share one suite database. */
export async function truncateTables(url: string, tables: string): Promise<void> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`TRUNCATE ${tables}`);
  } finally {
    await admin.end();
  }
}
