/** With L1G1_DATABASE_URL set, the launcher's keys land where the services look: PostgreSQL. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { createKeyVerifier, openPostgresKeyStore } from '@l1g1/kit';
import { usePostgres } from '../../../test/support/postgres';
import { ensureFirstAdminKey } from '../src/first-admin-key';

const CREATE_KEY = resolve(__dirname, '..', 'dist', 'create-key.js');

describe('launcher keys on PostgreSQL (L1G1_DATABASE_URL)', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  let dataDir = '';
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'l1g1-launcher-pg-'));
    // Each test starts with no keys (the table exists once a store has opened).
    const keys = await openPostgresKeyStore({ url: pg.url });
    await keys.close();
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      await c.query('TRUNCATE api_keys');
    } finally {
      await c.end();
    }
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  async function verify(plaintext: string): Promise<string> {
    const keys = await openPostgresKeyStore({ url: pg.url });
    try {
      return (await createKeyVerifier({ store: keys, cacheTtlMs: 0 }).verify(plaintext)).name;
    } finally {
      await keys.close();
    }
  }

  it('create-key mints the key in PostgreSQL, not in the data directory', async () => {
    const env = { ...process.env, L1G1_DATA_DIR: dataDir, L1G1_DATABASE_URL: pg.url };
    const ok = spawnSync(process.execPath, [CREATE_KEY, '--name', 'ops-pg', '--scopes', 'admin'], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(ok.status, 0, ok.stderr);
    const key = ok.stdout.match(/l1g1_[A-Za-z0-9-]{12}_[A-Za-z0-9_-]{43}/)?.[0];
    assert.ok(key, ok.stdout);
    assert.equal(await verify(key), 'ops-pg');
    assert.equal(existsSync(join(dataDir, 'auth', 'keys.db')), false, 'no SQLite key store was made');
  });

  it('the first admin key of npm start is created in PostgreSQL, once', async () => {
    const first = await ensureFirstAdminKey(dataDir, pg.url);
    assert.ok(first);
    assert.equal(await verify(first), 'admin');
    assert.equal(await ensureFirstAdminKey(mkdtempSync(join(dataDir, 'other-')), pg.url), undefined, 'another data directory, same database: keys exist already');
  });
});
