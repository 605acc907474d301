import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger, openPostgresJobStore, openSqliteJobStore } from '@l1g1/kit';
import { usePostgres } from '../../../test/support/postgres';
import { describeJobStoreContract } from './jobs-contract';

describe('kit: jobs on SQLite', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-jobs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  describeJobStoreContract('SQLite', () => ({
    open: async (now) => openSqliteJobStore(join(dir, 'jobs.db'), { pollIntervalMs: 100, ...(now ? { now } : {}) }),
    target: () => ({ kind: 'sqlite', path: join(dir, 'jobs.db') }),
  }));
});

describe('kit: jobs on PostgreSQL', () => {
  const pg = usePostgres();
  describeJobStoreContract('PostgreSQL', () => ({
    open: (now) => openPostgresJobStore({ url: pg.url, logger: createSilentLogger(), pollIntervalMs: 100, maxConnections: 5, ...(now ? { now } : {}) }),
    target: () => ({ kind: 'postgres', url: pg.url }),
  }));
});
