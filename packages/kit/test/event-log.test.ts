import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMemoryEventLog,
  createSqliteEventLog,
  L1g1Error,
  openSqlite,
  type EventLog,
  type LoggedEvent,
  type SqliteDatabase,
} from '@l1g1/kit';

interface Payload {
  n: number;
}

/** Collects `count` events from a watch, then stops it. */
async function take(
  log: EventLog<Payload>,
  afterId: number,
  count: number,
  key?: string,
  onEach?: (event: LoggedEvent<Payload>) => Promise<void>,
): Promise<LoggedEvent<Payload>[]> {
  const controller = new AbortController();
  const out: LoggedEvent<Payload>[] = [];
  for await (const event of log.watch(afterId, key === undefined ? { signal: controller.signal } : { key, signal: controller.signal })) {
    out.push(event);
    if (onEach) await onEach(event);
    if (out.length === count) controller.abort();
  }
  return out;
}

function catchError(fn: () => Promise<unknown>): Promise<L1g1Error> {
  return fn().then(
    () => assert.fail('expected an error'),
    (err: unknown) => {
      assert.ok(err instanceof L1g1Error, `not an L1g1Error: ${String(err)}`);
      return err;
    },
  );
}

interface Fixture {
  log: EventLog<Payload>;
  close(): void;
}

const implementations: [string, () => Fixture][] = [
  ['memory', () => ({ log: createMemoryEventLog<Payload>({ maxEvents: 100_000 }), close: () => undefined })],
  [
    'sqlite',
    () => {
      const db = openSqlite(':memory:', []);
      return { log: createSqliteEventLog<Payload>({ db, table: 'events', pollIntervalMs: 0 }), close: () => db.close() };
    },
  ],
];

for (const [name, make] of implementations) {
  describe(`kit: event log (${name})`, () => {
    let fixture: Fixture;
    beforeEach(() => {
      fixture = make();
    });
    afterEach(() => fixture.close());

    it('assigns increasing ids and reads after an id, in order, with a limit and a key filter', async () => {
      const { log } = fixture;
      assert.equal(await log.lastId(), 0);
      for (let n = 1; n <= 6; n++) await log.append({ key: n % 2 === 0 ? 'even' : 'odd', type: 'tick', data: { n } });
      assert.equal(await log.lastId(), 6);
      const all = await log.read(0);
      assert.deepEqual(
        all.map((e) => [e.id, e.key, e.type, e.data.n]),
        [1, 2, 3, 4, 5, 6].map((n) => [n, n % 2 === 0 ? 'even' : 'odd', 'tick', n]),
      );
      assert.deepEqual((await log.read(2, { limit: 2 })).map((e) => e.id), [3, 4]);
      assert.deepEqual((await log.read(1, { key: 'even' })).map((e) => e.id), [2, 4, 6]);
      assert.deepEqual(await log.read(6), []);
    });

    it('replays then follows live without gaps or duplicates, even while events arrive during the replay', async () => {
      const { log } = fixture;
      // More than one read batch (256) already in the log.
      for (let n = 1; n <= 600; n++) await log.append({ key: 'k', type: 't', data: { n } });
      let appended = 600;
      const seen = await take(log, 100, 600, undefined, async () => {
        // Append while the watcher is still replaying, and after it went live.
        if (appended < 700) await log.append({ key: 'k', type: 't', data: { n: ++appended } });
      });
      assert.deepEqual(
        seen.map((e) => e.id),
        Array.from({ length: 600 }, (_, i) => 101 + i),
      );
      assert.deepEqual(
        seen.map((e) => e.data.n),
        Array.from({ length: 600 }, (_, i) => 101 + i),
      );
    });

    it('wakes an idle watcher on append and filters the live part by key', async () => {
      const { log } = fixture;
      await log.append({ key: 'a', type: 't', data: { n: 1 } });
      const watching = take(log, 0, 3, 'a');
      // Let the watcher replay and go idle first.
      await new Promise((resolve) => setImmediate(resolve));
      await log.append({ key: 'b', type: 't', data: { n: 2 } });
      await log.append({ key: 'a', type: 't', data: { n: 3 } });
      await log.append({ key: 'a', type: 't', data: { n: 4 } });
      const seen = await watching;
      assert.deepEqual(
        seen.map((e) => [e.id, e.data.n]),
        [
          [1, 1],
          [3, 3],
          [4, 4],
        ],
      );
    });

    it('ends the watch cleanly when its signal aborts while idle', async () => {
      const { log } = fixture;
      const controller = new AbortController();
      const iterator = log.watch(0, { signal: controller.signal });
      const next = iterator.next();
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      assert.deepEqual(await next, { done: true, value: undefined });
    });

    it('refuses an after id that is not a non-negative integer, naming the field', async () => {
      const { log } = fixture;
      for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) {
        const err = await catchError(() => log.read(bad));
        assert.equal(err.kind, 'INVALID_ARGUMENT');
        assert.equal(err.field, 'after_id');
        const watchErr = await catchError(() => log.watch(bad, { signal: new AbortController().signal }).next());
        assert.equal(watchErr.kind, 'INVALID_ARGUMENT');
      }
    });
  });
}

describe('kit: event log retention (memory)', () => {
  it('refuses to read from before the oldest retained event instead of skipping silently', async () => {
    const log = createMemoryEventLog<Payload>({ maxEvents: 5 });
    for (let n = 1; n <= 12; n++) await log.append({ key: 'k', type: 't', data: { n } });
    assert.deepEqual((await log.read(7)).map((e) => e.id), [8, 9, 10, 11, 12]);
    const err = await catchError(() => log.read(3));
    assert.equal(err.kind, 'OUT_OF_RANGE');
    assert.equal(err.reason, 'EVENTS_EXPIRED');
    assert.equal(err.metadata.oldest_event_id, '8');
  });

  it('drops a watcher that falls behind the retained log with a clear error naming where to resume', async () => {
    const log = createMemoryEventLog<Payload>({ maxEvents: 10 });
    await log.append({ key: 'k', type: 't', data: { n: 1 } });
    const iterator = log.watch(0, { signal: new AbortController().signal });
    assert.equal((await iterator.next()).value?.id, 1);
    // The consumer stalls while 50 more events arrive: far beyond what is retained.
    for (let n = 2; n <= 51; n++) await log.append({ key: 'k', type: 't', data: { n } });
    const err = await catchError(() => iterator.next());
    assert.equal(err.kind, 'RESOURCE_EXHAUSTED');
    assert.equal(err.reason, 'WATCH_TOO_SLOW');
    assert.equal(err.metadata.last_event_id, '1');
  });

  it('does not call a key-filtered watcher slow when only other keys expired', async () => {
    const log = createMemoryEventLog<Payload>({ maxEvents: 10 });
    await log.append({ key: 'mine', type: 't', data: { n: 1 } });
    const controller = new AbortController();
    const seen: number[] = [];
    const watching = (async () => {
      for await (const event of log.watch(0, { key: 'mine', signal: controller.signal })) {
        seen.push(event.id);
        if (event.id > 1) controller.abort();
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    // Appended one at a time, each waking the watcher, which examines them as they come.
    for (let n = 2; n <= 40; n++) {
      await log.append({ key: 'other', type: 't', data: { n } });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await log.append({ key: 'mine', type: 't', data: { n: 41 } });
    await watching;
    assert.deepEqual(seen, [1, 41]);
  });
});

describe('kit: event log on SQLite', () => {
  let dir: string;
  let dbs: SqliteDatabase[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-eventlog-'));
    dbs = [];
  });
  afterEach(() => {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = (): SqliteDatabase => {
    const db = openSqlite(join(dir, 'events.db'), []);
    dbs.push(db);
    return db;
  };

  it('appendSync commits with the caller\'s transaction, and a rolled-back event is never seen', async () => {
    const db = open();
    db.exec('CREATE TABLE jobs (id TEXT PRIMARY KEY, state TEXT NOT NULL)');
    const log = createSqliteEventLog<Payload>({ db, table: 'job_events', pollIntervalMs: 0 });
    const controller = new AbortController();
    const seen: LoggedEvent<Payload>[] = [];
    const watching = (async () => {
      for await (const event of log.watch(0, { signal: controller.signal })) {
        seen.push(event);
        if (event.data.n === 2) controller.abort();
      }
    })();
    const failing = db.transaction(() => {
      db.prepare('INSERT INTO jobs VALUES (?, ?)').run('j1', 'RUNNING');
      log.appendSync({ key: 'j1', type: 'state', data: { n: 1 } });
      throw new Error('the state change failed');
    });
    assert.throws(() => failing(), /state change failed/);
    const ok = db.transaction(() => {
      db.prepare('INSERT INTO jobs VALUES (?, ?)').run('j1', 'RUNNING');
      return log.appendSync({ key: 'j1', type: 'state', data: { n: 2 } });
    });
    ok();
    await watching;
    assert.deepEqual(
      seen.map((e) => e.data.n),
      [2],
    );
    assert.equal((db.prepare('SELECT COUNT(*) AS c FROM jobs').get() as { c: number }).c, 1);
  });

  it('keeps events and ids across reopening, and never reuses an id', async () => {
    const first = createSqliteEventLog<Payload>({ db: open(), table: 'events', now: () => 42 });
    await first.append({ key: 'k', type: 't', data: { n: 1 } });
    await first.append({ key: 'k', type: 't', data: { n: 2 } });
    const db = open();
    db.prepare('DELETE FROM events WHERE id = 2').run();
    const second = createSqliteEventLog<Payload>({ db, table: 'events' });
    const appended = await second.append({ key: 'k', type: 't', data: { n: 3 } });
    assert.equal(appended.id, 3);
    assert.deepEqual(
      (await second.read(0)).map((e) => [e.id, e.data.n, e.atMs === 42 || e.id === 3]),
      [
        [1, 1, true],
        [3, 3, true],
      ],
    );
  });

  it('a watcher sees events appended through another connection (another process) by polling', async () => {
    const writer = createSqliteEventLog<Payload>({ db: open(), table: 'events' });
    const reader = createSqliteEventLog<Payload>({ db: open(), table: 'events', pollIntervalMs: 20 });
    const watching = take(reader, 0, 2);
    await new Promise((resolve) => setImmediate(resolve));
    await writer.append({ key: 'k', type: 't', data: { n: 1 } });
    await writer.append({ key: 'k', type: 't', data: { n: 2 } });
    assert.deepEqual(
      (await watching).map((e) => e.data.n),
      [1, 2],
    );
  });

  it('refuses a table name that is not a plain identifier', () => {
    assert.throws(() => createSqliteEventLog({ db: open(), table: 'x; DROP TABLE y' }), RangeError);
  });
});
