import { strict as assert } from 'node:assert';
import { openPostgres } from '@l1g1/kit';
import { usePostgres } from '../../../test/support/postgres';

describe('kit: postgres', () => {
  const pg = usePostgres();

  it('applies each migration once, in order, per component', async () => {
    const m = ['CREATE TABLE a (x INTEGER)', 'INSERT INTO a VALUES (1)'];
    const first = await openPostgres(pg.url, m, { component: 'test-a' });
    await first.end();
    const again = await openPostgres(pg.url, [...m, 'INSERT INTO a VALUES (2)'], { component: 'test-a' });
    try {
      const rows = await again.query<{ x: number }>('SELECT x FROM a ORDER BY x');
      assert.deepEqual(rows.rows, [{ x: 1 }, { x: 2 }]);
    } finally {
      await again.end();
    }
  });

  it('lets replicas that start together migrate once between them', async () => {
    const m = ['CREATE TABLE b (x INTEGER)', 'INSERT INTO b VALUES (1)'];
    const pools = await Promise.all([1, 2, 3].map(() => openPostgres(pg.url, m, { component: 'test-b' })));
    try {
      const rows = await pools[0]!.query<{ n: string }>('SELECT count(*) AS n FROM b');
      assert.equal(rows.rows[0]?.n, '1');
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
