import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createKeyVerifier, createSqliteKeyStore, issueApiKey, L1g1Error, openKeyStore, openPostgresKeyStore } from '@l1g1/kit';
import { startTestPostgres, usePostgres } from '../../../test/support/postgres';
import { describeKeyStoreContract } from './key-store-contract';

describe('kit/auth: key stores', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-keys-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  describeKeyStoreContract('SQLite', async () => createSqliteKeyStore(join(dir, `keys-${++n}.db`)));

  it('openKeyStore opens the SQLite file under the data directory when no database URL is set', async () => {
    const path = join(dir, 'chosen', 'keys.db');
    const chosen = await openKeyStore({ databaseUrl: undefined, keyDbPath: path });
    const { record } = await issueApiKey(chosen, { name: 'x', scopes: ['read'] });
    await chosen.close();
    const direct = createSqliteKeyStore(path);
    try {
      assert.equal((await direct.findForVerification(record.id))?.record.name, 'x');
    } finally {
      await direct.close();
    }
  });

  describe('on PostgreSQL', () => {
    const pg = usePostgres();
    const truncate = async (): Promise<void> => {
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      try {
        await c.query('TRUNCATE api_keys');
      } finally {
        await c.end();
      }
    };
    describeKeyStoreContract('PostgreSQL', async () => {
      const store = await openPostgresKeyStore({ url: pg.url });
      await truncate();
      return store;
    });

    it('openKeyStore opens PostgreSQL when L1G1_DATABASE_URL is set', async () => {
      const chosen = await openKeyStore({ databaseUrl: pg.url, keyDbPath: join(dir, 'unused', 'keys.db') });
      const direct = await openPostgresKeyStore({ url: pg.url });
      try {
        const { record } = await issueApiKey(chosen, { name: 'pg-chosen', scopes: ['read'] });
        assert.equal((await direct.findForVerification(record.id))?.record.name, 'pg-chosen', 'the key is in PostgreSQL');
      } finally {
        await chosen.close();
        await direct.close();
      }
    });

    it('a key revoked through one process is refused by another once its cache TTL has passed', async () => {
      // Two stores, two pools: what the gateway and a service replica each hold.
      const revoker = await openPostgresKeyStore({ url: pg.url });
      const other = await openPostgresKeyStore({ url: pg.url });
      try {
        let now = 1_000_000;
        const verifier = createKeyVerifier({ store: other, cacheTtlMs: 5000, now: () => now });
        const { record, plaintext } = await issueApiKey(revoker, { name: 'leaving', scopes: ['read'] });
        assert.equal((await verifier.verify(plaintext)).name, 'leaving');
        assert.equal(await revoker.revoke(record.id, new Date()), true);
        now += 4999;
        assert.equal((await verifier.verify(plaintext)).name, 'leaving', 'within the TTL the cached answer stands');
        now += 2;
        await assert.rejects(verifier.verify(plaintext), (err: unknown) => err instanceof L1g1Error && err.reason === 'API_KEY_REVOKED');
      } finally {
        await revoker.close();
        await other.close();
      }
    });

    it('stores only the hash of the secret in PostgreSQL', async () => {
      const store = await openPostgresKeyStore({ url: pg.url });
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      try {
        const { plaintext, record } = await issueApiKey(store, { name: 'hashed', scopes: ['read'] });
        const secret = plaintext.slice('l1g1_'.length + record.id.length + 1);
        const row = await c.query<{ all: string }>('SELECT row_to_json(k)::text AS all FROM api_keys k WHERE id = $1', [record.id]);
        assert.ok(row.rows[0]?.all.includes(record.id));
        assert.ok(!row.rows[0]?.all.includes(secret), 'the secret is not stored');
      } finally {
        await c.end();
        await store.close();
      }
    });
  });

  it('answers UNAVAILABLE with a stable message, not INTERNAL, when its PostgreSQL has gone', async function () {
    this.timeout(120_000);
    // A cluster of its own, to stop under the store.
    const own = await startTestPostgres();
    if (typeof own === 'string') {
      console.log(`      (skipped: ${own})`);
      this.skip();
    }
    const store = await openPostgresKeyStore({ url: own.url });
    try {
      await issueApiKey(store, { name: 'before', scopes: ['read'] });
      await own.stop();
      const err = await store.findForVerification('someid').then(
        () => assert.fail('the store answered without its database'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof L1g1Error, String(err));
      assert.equal(err.kind, 'UNAVAILABLE');
      assert.equal(err.reason, 'DATABASE_UNAVAILABLE');
      assert.equal(err.message, 'the key store is unavailable; retry shortly');
      assert.ok(err.retryAfterMs > 0);
    } finally {
      await store.close();
      await own.stop();
    }
  });
});
