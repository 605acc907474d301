/** The IngestionStore contract against both stores: SQLite (embedded) and PostgreSQL (scaled). */
import { Client } from 'pg';
import { createSqliteIngestionStore } from '../src/adapters/store/sqlite-store';
import { openPostgresIngestionStore } from '../src/adapters/store/postgres-store';
import { usePostgres } from '../../../test/support/postgres';
import { describeIngestionStoreContract } from './store-contract';

describe('ingestion: stores', () => {
  describeIngestionStoreContract('SQLite', () => ({
    open: async () => createSqliteIngestionStore(':memory:'),
  }));

  describe('on PostgreSQL', () => {
    const pg = usePostgres();
    describeIngestionStoreContract('PostgreSQL', () => ({
      async open() {
        const store = await openPostgresIngestionStore({ url: pg.url, maxConnections: 8 });
        // One database for the suite: every test starts from empty tables.
        const admin = new Client({ connectionString: pg.url });
        await admin.connect();
        try {
          await admin.query(
            'TRUNCATE ingestion_privacy_ledger, ingestion_review_items, ingestion_uploads, ingestion_snapshots, ingestion_datasets RESTART IDENTITY',
          );
        } finally {
          await admin.end();
        }
        return store;
      },
    }));
  });
});
