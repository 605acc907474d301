/**
 * The checkpoint rows' store, one contract run on SQLite (the embedded
 * default) and on a real PostgreSQL (chosen when L1G1_DATABASE_URL is set).
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { usePostgres } from '../../../test/support/postgres';
import { openCheckpointStore } from '../src/adapters/open-checkpoint-store';
import type { CheckpointRow, CheckpointStore } from '../src/domain/jobs/checkpoint-rows';

const row = (jobId: string, step: number, id: string, extra: Partial<CheckpointRow> = {}): CheckpointRow => ({
  id,
  jobId,
  step,
  epoch: Math.floor(step / 10),
  sha256: 'a'.repeat(64),
  sizeBytes: 5_000_000_000 + step, // beyond int32: BIGINT columns must read back as numbers
  metrics: { val_loss: step / 100 },
  best: step % 20 === 0,
  createdAtMs: 1_760_000_000_000 + step,
  ...extra,
});

function describeCheckpointStore(name: string, open: () => Promise<CheckpointStore>): void {
  describe(`trainer checkpoint rows: ${name}`, () => {
    let store: CheckpointStore;
    before(async () => {
      store = await open();
    });
    after(async () => store?.close());

    it('stores rows once and reads them back field for field', async () => {
      const jobId = randomUUID();
      const r = row(jobId, 20, 'c-1');
      await store.add(r);
      await store.add({ ...r, step: 999 }); // the same id again: ignored, the row is immutable
      assert.deepEqual(await store.get('c-1'), r);
      assert.equal(await store.get('nope'), undefined);
      assert.equal(await store.latest(randomUUID()), undefined);
    });

    it("lists a job's rows by step then id in keyset pages, and answers the last as latest", async () => {
      const jobId = randomUUID();
      const other = randomUUID();
      // Two rows share step 30 (one every N steps, one on cancel): id breaks the tie, bytewise.
      const rows = [row(jobId, 10, 'b'), row(jobId, 30, 'B'), row(jobId, 30, 'a'), row(jobId, 20, 'z')];
      for (const r of rows) await store.add(r);
      await store.add(row(other, 40, 'o'));
      const first = await store.list(jobId, { limit: 2 });
      assert.deepEqual(first.map((r) => `${r.step}:${r.id}`), ['10:b', '20:z']);
      const last = first[first.length - 1]!;
      const second = await store.list(jobId, { afterStep: last.step, afterId: last.id, limit: 10 });
      assert.deepEqual(second.map((r) => `${r.step}:${r.id}`), ['30:B', '30:a']);
      assert.equal((await store.latest(jobId))?.id, 'a');
    });
  });
}

describe('trainer: checkpoint stores', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-ckpt-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  describeCheckpointStore('SQLite', () => openCheckpointStore({ databaseUrl: undefined, databasePath: join(dir, 'trainer.db') }));

  describe('with L1G1_DATABASE_URL', () => {
    const pg = usePostgres();
    describeCheckpointStore('PostgreSQL', () => openCheckpointStore({ databaseUrl: pg.url, databasePath: join(dir, 'unused.db') }));

    it('keeps the rows in PostgreSQL, shared by every trainer replica, and writes no SQLite file', async () => {
      const path = join(dir, 'not-here.db');
      const a = await openCheckpointStore({ databaseUrl: pg.url, databasePath: path });
      const b = await openCheckpointStore({ databaseUrl: pg.url, databasePath: path });
      try {
        const jobId = randomUUID();
        await a.add(row(jobId, 5, `r-${jobId}`));
        assert.equal((await b.latest(jobId))?.id, `r-${jobId}`);
        assert.equal(existsSync(path), false);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
