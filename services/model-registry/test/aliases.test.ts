import { strict as assert } from 'node:assert';
import { registry } from '@l1g1/contracts';
import { asL1g1Error, unary } from '@l1g1/kit';
import { buildDemoClassifier } from '@l1g1/onnx';
import {
  rejectsWith,
  startTestRegistry,
  tinyModel,
  uniqueName,
  uploadVersion,
  type Client,
  type TestRegistry,
  metadataWithActor,
} from './helpers';

const {
  ALIAS_ACTION_SET: SET,
  ALIAS_ACTION_MOVED: MOVED,
  ALIAS_ACTION_REMOVED: REMOVED,
  ALIAS_ACTION_UNCHANGED: UNCHANGED,
} = registry.AliasAction;

/** An open WatchAliases stream that collects what arrives. */
interface Watch {
  events: registry.AliasEvent[];
  /** Resolves when the server ends the stream (OK) or it fails. */
  ended: Promise<{ ok: boolean; error?: Error }>;
  waitFor(count: number): Promise<void>;
  cancel(): void;
}

function watch(client: Client, request: Partial<registry.WatchAliasesRequest>): Watch {
  const call = client.watchAliases(registry.WatchAliasesRequest.fromPartial(request));
  const events: registry.AliasEvent[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  call.on('data', (event: registry.AliasEvent) => {
    events.push(event);
    for (const w of waiters.filter((w) => events.length >= w.count)) w.resolve();
  });
  const ended = new Promise<{ ok: boolean; error?: Error }>((resolve) => {
    call.on('end', () => resolve({ ok: true }));
    call.on('error', (error: Error) => resolve({ ok: false, error }));
  });
  return {
    events,
    ended,
    waitFor: (count) =>
      new Promise<void>((resolve, reject) => {
        if (events.length >= count) return resolve();
        const timer = setTimeout(() => reject(new Error(`got ${events.length} of ${count} events`)), 3000);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    cancel: () => call.cancel(),
  };
}

describe('model-registry: aliases', () => {
  let t: TestRegistry;

  before(async () => {
    t = await startTestRegistry();
  });

  after(async () => {
    await t.close();
  });

  async function modelWithVersions(prefix: string, count: number): Promise<string> {
    const name = uniqueName(prefix);
    for (let i = 0; i < count; i++) await uploadVersion(t.client, name, tinyModel(1000 + i));
    return name;
  }

  const setAlias = (modelName: string, alias: string, version: number, actor?: string) =>
    unary(t.client.setAlias.bind(t.client), { modelName, alias, version }, { metadata: metadataWithActor(actor) });

  it('sets, moves and removes an alias, recording who did what in the audit log', async () => {
    const name = await modelWithVersions('audit', 2);

    const set = await setAlias(name, 'production', 1, 'alice');
    const moved = await setAlias(name, 'production', 2, 'bob');
    const again = await setAlias(name, 'production', 2, 'carol');
    const removed = await unary(
      t.client.deleteAlias.bind(t.client),
      { modelName: name, alias: 'production' },
      { metadata: metadataWithActor('dave') },
    );

    assert.deepEqual([set.action, set.fromVersion, set.toVersion, set.actor], [SET, 0, 1, 'alice']);
    assert.deepEqual([moved.action, moved.fromVersion, moved.toVersion, moved.actor], [MOVED, 1, 2, 'bob']);
    assert.deepEqual(
      [again.action, again.fromVersion, again.toVersion, again.actor, again.changed],
      [UNCHANGED, 2, 2, 'carol', false],
      'a move to where the alias already points says so, under its own caller',
    );
    assert.deepEqual([set.changed, moved.changed, removed.changed], [true, true, true]);
    assert.deepEqual([removed.action, removed.fromVersion, removed.toVersion, removed.actor], [REMOVED, 2, 0, 'dave']);
    assert.ok(set.eventId < moved.eventId && moved.eventId < again.eventId && again.eventId < removed.eventId);
    assert.ok(set.at instanceof Date);
    const log = await unary(t.client.listAliasEvents.bind(t.client), { modelName: name, page: undefined });
    assert.deepEqual(log.events, [set, moved, again, removed]);
    assert.deepEqual((await unary(t.client.getModel.bind(t.client), { name })).aliases, {});
  });

  it('answers each of 50 parallel moves with the event it caused itself, no-op moves included', async () => {
    const name = await modelWithVersions('parallel', 3);
    await setAlias(name, 'production', 1, 'setup');
    // Runs of five callers asking for the same version: most of them are no-ops.
    const target = (i: number): number => (Math.floor(i / 5) % 3) + 1;
    // Several callers move to the version the alias already has; under the
    // old code these read "the latest event of the alias" and got another caller's.
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => setAlias(name, 'production', target(i), `w${i}`)),
    );

    answers.forEach((event, i) => {
      assert.equal(event.actor, `w${i}`, `caller w${i} got event ${event.eventId} of ${event.actor}`);
      assert.equal(event.toVersion, target(i));
      assert.equal(event.changed, event.fromVersion !== event.toVersion);
      assert.equal(event.action === UNCHANGED, !event.changed);
    });
    assert.equal(new Set(answers.map((e) => e.eventId)).size, 50, 'fifty distinct events');
    const log = await unary(t.client.listAliasEvents.bind(t.client), { modelName: name, page: { pageSize: 100, pageToken: '' } });
    assert.deepEqual(
      log.events.slice(1).map((e) => e.actor).sort(),
      answers.map((e) => e.actor).sort(),
      'every caller is in the audit log exactly once',
    );
    // The log replays as a consistent chain: each event starts where the previous one ended.
    for (let i = 1; i < log.events.length; i++) {
      assert.equal(log.events[i]?.fromVersion, log.events[i - 1]?.toVersion, `event ${i} continues the chain`);
    }
  });

  it('shows aliases on the model and on the version', async () => {
    const name = await modelWithVersions('shown', 2);
    await setAlias(name, 'production', 2);
    await setAlias(name, 'canary', 2);
    await setAlias(name, 'previous', 1);

    const model = await unary(t.client.getModel.bind(t.client), { name });
    const v2 = await unary(t.client.getVersion.bind(t.client), { modelName: name, version: 2 });

    assert.deepEqual(model.aliases, { canary: 2, previous: 1, production: 2 });
    assert.deepEqual(v2.aliases, ['canary', 'production']);
  });

  it('refuses bad alias names, unknown versions and unknown aliases', async () => {
    const name = await modelWithVersions('bad-alias', 1);

    for (const bad of ['', 'Prod', '1st', 'with space', 'a'.repeat(65)]) {
      await rejectsWith(setAlias(name, bad, 1), { kind: 'INVALID_ARGUMENT', field: 'alias' });
    }
    await rejectsWith(setAlias(name, 'production', 5), { kind: 'NOT_FOUND', reason: 'VERSION_NOT_FOUND' });
    await rejectsWith(setAlias('missing-model', 'production', 1), { kind: 'NOT_FOUND', reason: 'MODEL_NOT_FOUND' });
    await rejectsWith(unary(t.client.deleteAlias.bind(t.client), { modelName: name, alias: 'staging' }), {
      kind: 'NOT_FOUND',
      reason: 'ALIAS_NOT_FOUND',
      message: /alias "staging"/,
    });
  });

  it('pages through the audit log', async () => {
    const name = await modelWithVersions('log-pages', 3);
    for (const v of [1, 2, 3, 1, 2]) await setAlias(name, 'production', v);
    const seen: number[] = [];
    let token = '';

    do {
      const res = await unary(t.client.listAliasEvents.bind(t.client), {
        modelName: name,
        page: { pageSize: 2, pageToken: token },
      });
      seen.push(...res.events.map((e) => e.toVersion));
      assert.equal(res.page?.totalSize, 5);
      token = res.page?.nextPageToken ?? '';
    } while (token !== '');

    assert.deepEqual(seen, [1, 2, 3, 1, 2]);
    await rejectsWith(
      unary(t.client.listAliasEvents.bind(t.client), { modelName: name, page: { pageSize: 2, pageToken: '%%%' } }),
      { kind: 'INVALID_ARGUMENT', field: 'page.page_token' },
    );
    await rejectsWith(unary(t.client.listAliasEvents.bind(t.client), { modelName: 'never-seen', page: undefined }), {
      kind: 'NOT_FOUND',
    });
  });

  describe('WatchAliases', () => {
    it('replays events after after_event_id, then streams live ones, without gaps or duplicates', async () => {
      const name = await modelWithVersions('watch', 3);
      const first = await setAlias(name, 'production', 1);
      await setAlias(name, 'production', 2);
      await setAlias(name, 'canary', 1);
      const w = watch(t.client, { modelName: name, afterEventId: first.eventId });

      await w.waitFor(2);
      await setAlias(name, 'production', 3);
      await unary(t.client.deleteAlias.bind(t.client), { modelName: name, alias: 'canary' });
      await w.waitFor(4);
      w.cancel();

      assert.deepEqual(
        w.events.map((e) => [e.alias, e.action, e.toVersion]),
        [
          ['production', MOVED, 2],
          ['canary', SET, 1],
          ['production', MOVED, 3],
          ['canary', REMOVED, 0],
        ],
      );
      const ids = w.events.map((e) => e.eventId);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
      assert.equal(new Set(ids).size, ids.length);
      const end = await w.ended;
      assert.equal(asL1g1Error(end.error).kind, 'CANCELLED', 'the client cancelled its own stream');
    });

    it('delivers every event exactly once while writes race with the replay', async () => {
      const name = await modelWithVersions('watch-race', 2);
      for (let i = 0; i < 20; i++) await setAlias(name, `a${i}`, 1);

      const w = watch(t.client, { modelName: name, afterEventId: 0 });
      const writes = Promise.all(Array.from({ length: 20 }, (_, i) => setAlias(name, `a${i}`, 2)));
      await writes;
      await w.waitFor(40);
      w.cancel();

      assert.equal(w.events.length, 40);
      const ids = w.events.map((e) => e.eventId);
      assert.equal(new Set(ids).size, 40, 'no duplicates');
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'in event order',
      );
      assert.equal(ids[ids.length - 1]! - ids[0]!, 39, 'no gaps');
    });

    it('filters by model name; an empty name watches every model', async () => {
      const a = await modelWithVersions('watch-a', 1);
      const b = await modelWithVersions('watch-b', 1);
      const start = await setAlias(a, 'start', 1);
      const onlyB = watch(t.client, { modelName: b, afterEventId: start.eventId });
      const all = watch(t.client, { modelName: '', afterEventId: start.eventId });

      await setAlias(a, 'production', 1);
      await setAlias(b, 'production', 1);
      await onlyB.waitFor(1);
      await all.waitFor(2);
      onlyB.cancel();
      all.cancel();

      assert.deepEqual(
        onlyB.events.map((e) => e.modelName),
        [b],
      );
      assert.deepEqual(
        all.events.map((e) => e.modelName),
        [a, b],
      );
    });

    it('refuses a bad filter', async () => {
      const w = watch(t.client, { modelName: 'Not Valid', afterEventId: 0 });

      const end = await w.ended;

      assert.equal(end.ok, false);
      const err = asL1g1Error(end.error);
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'model_name');
    });
  });
});

describe('model-registry: shutdown', () => {
  it('ends open watch streams cleanly instead of hanging', async () => {
    const t = await startTestRegistry({ L1G1_REGISTRY_SHUTDOWN_GRACE_MS: '10000' });
    try {
      const name = uniqueName('stop');
      await uploadVersion(t.client, name, buildDemoClassifier());
      await unary(t.client.setAlias.bind(t.client), { modelName: name, alias: 'production', version: 1 });
      const w = watch(t.client, { afterEventId: 0 });
      await w.waitFor(1);
      const started = Date.now();

      await t.service.stop();

      const end = await w.ended;
      assert.equal(end.ok, true, `the stream ends with OK, got ${String(end.error)}`);
      assert.ok(Date.now() - started < 5000, 'stop did not wait for the grace period');
    } finally {
      await t.close();
    }
  });
});
