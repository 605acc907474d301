/** The RegistryStore contract against both stores: SQLite (embedded) and PostgreSQL (scaled). */
import { Client } from 'pg';
import { createSqliteRegistryStore } from '../src/adapters/sqlite-store';
import { openPostgresRegistryStore } from '../src/adapters/postgres-store';
import { usePostgres } from '../../../test/support/postgres';
import { describeRegistryStoreContract } from './store-contract';

describe('model-registry: stores', () => {
  describeRegistryStoreContract('SQLite', () => ({
    open: async () => createSqliteRegistryStore(':memory:'),
  }));

  describe('on PostgreSQL', () => {
    const pg = usePostgres();
    describeRegistryStoreContract('PostgreSQL', () => ({
      async open() {
        const store = await openPostgresRegistryStore({ url: pg.url, maxConnections: 8 });
        // One database for the suite: every test starts from empty tables, event ids from 1.
        const admin = new Client({ connectionString: pg.url });
        await admin.connect();
        try {
          await admin.query('TRUNCATE alias_events, aliases, artifacts, versions, models RESTART IDENTITY');
        } finally {
          await admin.end();
        }
        return store;
      },
    }));
  });
});
