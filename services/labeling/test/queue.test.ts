/** The queue contract on both stores: SQLite (embedded) and a real PostgreSQL (scaled). */
import { usePostgres } from '../../../test/support/postgres';
import { describeQueueContract } from './queue-contract';

describe('labeling: task queue', () => {
  describeQueueContract('SQLite', () => ({}));
  describe('on PostgreSQL', () => {
    const pg = usePostgres();
    describeQueueContract('PostgreSQL', () => ({ databaseUrl: pg.url }));
  });
});
