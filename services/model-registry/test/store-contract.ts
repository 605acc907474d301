/**
 * The RegistryStore contract: what every metadata store (SQLite, PostgreSQL)
 * must answer, run by store.test.ts against each. Each test gets an empty
 * store from `open()`.
 */
import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import type { NewModel, NewVersion, RegistryStore } from '../src/domain/ports';
import type { ArtifactRecord, Precision } from '../src/domain/types';

/** How the suite gets a fresh, empty store (closed by the suite). */
export interface StoreFactory {
  open(): Promise<RegistryStore>;
}

const T0 = 1_700_000_000_000;

function model(name: string, extra: Partial<NewModel> = {}): NewModel {
  return { name, description: '', task: 'classification', tags: {}, ...extra };
}

function artifact(sha: string, precision: Precision = 'FP32'): ArtifactRecord {
  return {
    precision,
    format: 'onnx',
    sha256: sha.padEnd(64, '0'),
    sizeBytes: 1234,
    uri: `l1g1://blobs/sha256/${sha.padEnd(64, '0')}`,
    signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4], dimNames: ['batch', ''] }], outputs: [] },
    createdAtMs: T0,
  };
}

function version(modelName: string, sha: string, extra: Partial<NewVersion> = {}): NewVersion {
  return {
    modelName,
    description: '',
    tags: {},
    metrics: {},
    lineage: { trainingJobId: '', codeVersion: '', params: {} },
    artifact: artifact(sha),
    createdBy: 'tests',
    ...extra,
  };
}

/** Asserts that `promise` rejects with an L1g1Error of this reason. */
async function rejectsWith(promise: Promise<unknown>, reason: string): Promise<L1g1Error> {
  try {
    await promise;
  } catch (err: unknown) {
    assert.ok(err instanceof L1g1Error, `expected an L1g1Error, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    return err;
  }
  assert.fail(`expected a rejection with ${reason}`);
}

export function describeRegistryStoreContract(label: string, factory: () => StoreFactory): void {
  describe(`RegistryStore contract: ${label}`, function () {
    this.timeout(30_000);
    let store: RegistryStore;
    beforeEach(async () => {
      store = await factory().open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('models', () => {
      it('creates, reads, merges tag patches and refuses a second model of the same name', async () => {
        const created = await store.createModel(model('m', { description: 'first', tags: { team: 'a', stage: 'x' } }), T0);
        assert.deepEqual(
          { name: created.name, description: created.description, tags: created.tags, latest: created.latestVersion, aliases: created.aliases, at: created.createdAtMs },
          { name: 'm', description: 'first', tags: { team: 'a', stage: 'x' }, latest: 0, aliases: {}, at: T0 },
        );
        await rejectsWith(store.createModel(model('m'), T0), 'MODEL_ALREADY_EXISTS');
        const updated = await store.updateModel('m', { description: 'second', tags: { stage: '', owner: 'b' } }, T0 + 5);
        assert.deepEqual(updated.tags, { team: 'a', owner: 'b' }, 'an empty value removes the key, others merge');
        assert.equal(updated.description, 'second');
        assert.equal(updated.task, 'classification', 'absent fields stay');
        assert.equal(updated.updatedAtMs, T0 + 5);
        assert.equal(await store.getModel('nope'), undefined);
        await rejectsWith(store.updateModel('nope', { tags: {} }, T0), 'MODEL_NOT_FOUND');
      });

      it('lists by name in byte order with keyset pages, a case-insensitive search and tag filters', async () => {
        for (const name of ['b-model', 'B-model', 'a-model', 'Zed', 'c-model']) {
          await store.createModel(model(name, { description: name === 'c-model' ? 'Détecteur ÉCOLE' : '', tags: name.startsWith('b') ? { team: 'b' } : {} }), T0);
        }
        const first = await store.listModels({ query: '', tags: {}, limit: 2 });
        assert.deepEqual(first.items.map((m) => m.name), ['B-model', 'Zed'], 'upper case sorts before lower case, as bytes');
        assert.equal(first.total, 5);
        const rest = await store.listModels({ query: '', tags: {}, limit: 10, after: 'Zed' });
        assert.deepEqual(rest.items.map((m) => m.name), ['a-model', 'b-model', 'c-model']);
        assert.equal(rest.total, 5, 'the total counts the whole filter, not the page');
        const search = await store.listModels({ query: 'B-MOD', tags: {}, limit: 10 });
        assert.deepEqual(search.items.map((m) => m.name), ['B-model', 'b-model']);
        const accents = await store.listModels({ query: 'école', tags: {}, limit: 10 });
        assert.deepEqual(accents.items.map((m) => m.name), ['c-model'], 'non-ASCII letters fold too');
        const tagged = await store.listModels({ query: '', tags: { team: 'b' }, limit: 10 });
        assert.deepEqual(tagged.items.map((m) => m.name), ['b-model']);
        assert.equal(tagged.total, 1);
        const none = await store.listModels({ query: '', tags: { team: 'b', other: 'x' }, limit: 10 });
        assert.deepEqual(none.items, [], 'every filter pair must match');
      });
    });

    describe('versions', () => {
      it('numbers versions per model, creates the model on request, never reuses a number', async () => {
        await rejectsWith(store.insertVersion(version('m', 'a'), T0), 'MODEL_NOT_FOUND');
        const v1 = await store.insertVersion(version('m', 'a'), T0, model('m'));
        const v2 = await store.insertVersion(version('m', 'b'), T0 + 1);
        assert.deepEqual([v1.version, v2.version], [1, 2]);
        assert.equal(v1.status, 'READY');
        assert.equal((await store.getModel('m'))?.latestVersion, 2);
        await store.deleteVersion('m', 2, T0 + 2);
        assert.equal((await store.getModel('m'))?.latestVersion, 1);
        const v3 = await store.insertVersion(version('m', 'c'), T0 + 3);
        assert.equal(v3.version, 3, 'a deleted number is not handed out again');
      });

      it('keeps tags, metrics, lineage and artifacts, variants sorted FP32, FP16, INT8', async () => {
        const lineage = {
          dataset: { name: 'ds', snapshot: 7 },
          trainingJobId: 'job-1',
          parent: { name: 'base', version: 3 },
          codeVersion: 'abc123',
          params: { lr: '0.1' },
        };
        await store.insertVersion(version('m', 'a', { tags: { k: 'v' }, metrics: { acc: 0.9 }, lineage, description: 'd' }), T0, model('m'));
        await store.insertVariant('m', 1, artifact('i', 'INT8'), T0 + 1);
        const v = await store.insertVariant('m', 1, artifact('h', 'FP16'), T0 + 2);
        assert.deepEqual(v.artifacts.map((a) => a.precision), ['FP32', 'FP16', 'INT8']);
        assert.deepEqual(v.artifacts[0], artifact('a'));
        assert.deepEqual(v.lineage, lineage);
        assert.deepEqual({ tags: v.tags, metrics: v.metrics, description: v.description, by: v.createdBy }, { tags: { k: 'v' }, metrics: { acc: 0.9 }, description: 'd', by: 'tests' });
        await rejectsWith(store.insertVariant('m', 1, artifact('x', 'FP16'), T0), 'VARIANT_ALREADY_EXISTS');
        await rejectsWith(store.insertVariant('m', 9, artifact('x', 'FP16'), T0), 'VERSION_NOT_FOUND');
        await rejectsWith(store.insertVariant('nope', 1, artifact('x', 'FP16'), T0), 'MODEL_NOT_FOUND');
        const updated = await store.updateVersion('m', 1, { tags: { k: '', n: 'w' }, metrics: { f1: 0.5 } }, T0);
        assert.deepEqual({ tags: updated.tags, metrics: updated.metrics, description: updated.description }, { tags: { n: 'w' }, metrics: { acc: 0.9, f1: 0.5 }, description: 'd' });
        assert.deepEqual(await store.getVersion('m', 1), updated);
        assert.equal(await store.getVersion('m', 2), undefined);
      });

      it('lists versions with keyset pages and the archived, tag and dataset filters', async () => {
        const ds = (name: string, snapshot: number): NewVersion['lineage'] => ({ dataset: { name, snapshot }, trainingJobId: '', codeVersion: '', params: {} });
        await store.insertVersion(version('m', 'a', { lineage: ds('d1', 1), tags: { t: 'x' } }), T0, model('m'));
        await store.insertVersion(version('m', 'b', { lineage: ds('d1', 2) }), T0);
        await store.insertVersion(version('m', 'c', { lineage: ds('d2', 1), tags: { t: 'x' } }), T0);
        await store.insertVersion(version('other', 'd'), T0, model('other'));
        await store.archiveVersion('m', 2, T0);
        const base = { modelName: 'm', includeArchived: true, tags: {}, limit: 10 };
        const page1 = await store.listVersions({ ...base, limit: 2 });
        assert.deepEqual(page1.items.map((v) => v.version), [1, 2]);
        assert.equal(page1.total, 3);
        assert.deepEqual((await store.listVersions({ ...base, after: 2 })).items.map((v) => v.version), [3]);
        const ready = await store.listVersions({ ...base, includeArchived: false });
        assert.deepEqual(ready.items.map((v) => v.version), [1, 3]);
        assert.equal(ready.total, 2);
        assert.deepEqual((await store.listVersions({ ...base, tags: { t: 'x' } })).items.map((v) => v.version), [1, 3]);
        assert.deepEqual((await store.listVersions({ ...base, dataset: { name: 'd1', snapshot: 0 } })).items.map((v) => v.version), [1, 2]);
        assert.deepEqual((await store.listVersions({ ...base, dataset: { name: 'd1', snapshot: 2 } })).items.map((v) => v.version), [2]);
        const listed = (await store.listVersions(base)).items[0];
        assert.deepEqual(listed, await store.getVersion('m', 1), 'a listed version is the version as read alone');
      });

      it('archives idempotently and deletes, both refused while an alias points at the version', async () => {
        await store.insertVersion(version('m', 'a'), T0, model('m'));
        await store.insertVersion(version('m', 'a'), T0);
        await store.setAlias('m', 'prod', 1, 'w', T0);
        const refused = await rejectsWith(store.archiveVersion('m', 1, T0), 'VERSION_HAS_ALIASES');
        assert.equal(refused.kind, 'FAILED_PRECONDITION');
        await rejectsWith(store.deleteVersion('m', 1, T0), 'VERSION_HAS_ALIASES');
        assert.equal((await store.archiveVersion('m', 2, T0)).status, 'ARCHIVED');
        assert.equal((await store.archiveVersion('m', 2, T0)).status, 'ARCHIVED', 'archiving twice is fine');
        await rejectsWith(store.setAlias('m', 'prod', 2, 'w', T0), 'VERSION_ARCHIVED');
        const released = await store.deleteVersion('m', 2, T0);
        assert.deepEqual(released.sha256s, [artifact('a').sha256]);
        assert.equal(await store.isBlobReferenced(artifact('a').sha256), true, 'version 1 still uses the same blob');
        await rejectsWith(store.deleteVersion('m', 2, T0), 'VERSION_NOT_FOUND');
        await rejectsWith(store.deleteVersion('nope', 1, T0), 'MODEL_NOT_FOUND');
      });

      it('deletes a model with its versions and aliases, logging a REMOVED event per alias', async () => {
        await store.insertVersion(version('m', 'a'), T0, model('m'));
        await store.insertVariant('m', 1, artifact('b', 'FP16'), T0);
        await store.insertVersion(version('m', 'c'), T0);
        await store.setAlias('m', 'prod', 1, 'w', T0);
        await store.setAlias('m', 'beta', 2, 'w', T0);
        const released = await store.deleteModel('m', 'remover', T0 + 9);
        assert.equal(released.deletedVersions, 2);
        assert.deepEqual([...released.sha256s].sort(), [artifact('a').sha256, artifact('b').sha256, artifact('c').sha256].sort());
        assert.deepEqual(
          released.events.map((e) => [e.alias, e.action, e.fromVersion, e.toVersion, e.actor]),
          [
            ['beta', 'REMOVED', 2, 0, 'remover'],
            ['prod', 'REMOVED', 1, 0, 'remover'],
          ],
        );
        assert.equal(await store.getModel('m'), undefined);
        assert.equal(await store.getVersion('m', 1), undefined);
        assert.equal(await store.isBlobReferenced(artifact('a').sha256), false);
        assert.equal(await store.hasAliasEvents('m'), true, 'the audit log outlives the model');
        assert.equal(await store.hasAliasEvents('never'), false);
        await rejectsWith(store.deleteModel('m', 'remover', T0), 'MODEL_NOT_FOUND');
        await store.createModel(model('m'), T0);
        assert.equal((await store.insertVersion(version('m', 'a'), T0)).version, 1, 'a new model of that name starts again at 1');
      });
    });

    describe('aliases', () => {
      it('sets, moves, no-ops and removes, each answered with the event it logged', async () => {
        await store.insertVersion(version('m', 'a'), T0, model('m'));
        await store.insertVersion(version('m', 'b'), T0);
        const set = await store.setAlias('m', 'prod', 1, 'ann', T0 + 1);
        const moved = await store.setAlias('m', 'prod', 2, 'bob', T0 + 2);
        const same = await store.setAlias('m', 'prod', 2, 'cy', T0 + 3);
        const removed = await store.deleteAlias('m', 'prod', 'dee', T0 + 4);
        const shape = (e: typeof set): unknown[] => [e.modelName, e.alias, e.action, e.fromVersion, e.toVersion, e.actor, e.atMs];
        assert.deepEqual([set, moved, same, removed].map(shape), [
          ['m', 'prod', 'SET', 0, 1, 'ann', T0 + 1],
          ['m', 'prod', 'MOVED', 1, 2, 'bob', T0 + 2],
          ['m', 'prod', 'UNCHANGED', 2, 2, 'cy', T0 + 3],
          ['m', 'prod', 'REMOVED', 2, 0, 'dee', T0 + 4],
        ]);
        assert.ok(set.eventId > 0 && moved.eventId > set.eventId && same.eventId > moved.eventId && removed.eventId > same.eventId);
        await rejectsWith(store.deleteAlias('m', 'prod', 'x', T0), 'ALIAS_NOT_FOUND');
        await rejectsWith(store.deleteAlias('nope', 'prod', 'x', T0), 'MODEL_NOT_FOUND');
        await rejectsWith(store.setAlias('m', 'prod', 7, 'x', T0), 'VERSION_NOT_FOUND');
        await store.setAlias('m', 'zeta', 1, 'x', T0);
        await store.setAlias('m', 'alpha', 2, 'x', T0);
        assert.deepEqual((await store.getModel('m'))?.aliases, { alpha: 2, zeta: 1 });
        assert.deepEqual((await store.getVersion('m', 1))?.aliases, ['zeta']);
      });

      it('lists the audit log oldest first with keyset pages and a model filter; reads events after an id', async () => {
        await store.insertVersion(version('m', 'a'), T0, model('m'));
        await store.insertVersion(version('n', 'a'), T0, model('n'));
        const events = [];
        for (let i = 0; i < 3; i++) {
          events.push(await store.setAlias('m', `a${i}`, 1, 'x', T0));
          events.push(await store.setAlias('n', `a${i}`, 1, 'x', T0));
        }
        const ids = events.map((e) => e.eventId);
        const all = await store.listAliasEvents({ limit: 4 });
        assert.deepEqual(all.items.map((e) => e.eventId), ids.slice(0, 4));
        assert.equal(all.total, 6);
        const ofM = await store.listAliasEvents({ modelName: 'm', limit: 10, after: ids[0] });
        assert.deepEqual(ofM.items.map((e) => e.eventId), [ids[2], ids[4]]);
        assert.equal(ofM.total, 3);
        assert.deepEqual((await store.aliasEventsAfter(ids[3] as number, undefined, 10)).map((e) => e.eventId), ids.slice(4));
        assert.deepEqual((await store.aliasEventsAfter(0, 'n', 2)).map((e) => e.eventId), [ids[1], ids[3]]);
        assert.deepEqual((await store.aliasEventsAfter(0, 'n', 2))[0], events[1], 'an event reads back as it was answered');
      });
    });

    describe('concurrency', () => {
      it('answers each of 40 concurrent alias moves with its own event, forming one unbroken chain', async () => {
        await store.insertVersion(version('m', 'a'), T0, model('m'));
        await store.insertVersion(version('m', 'b'), T0);
        await store.insertVersion(version('m', 'c'), T0);
        const moves = await Promise.all(Array.from({ length: 40 }, (_, i) => store.setAlias('m', 'prod', (i % 3) + 1, `w${i}`, T0 + i)));
        moves.forEach((event, i) => {
          assert.equal(event.actor, `w${i}`, 'each caller gets the event it caused');
          assert.equal(event.toVersion, (i % 3) + 1);
        });
        const chain = [...moves].sort((a, b) => a.eventId - b.eventId);
        assert.equal(new Set(chain.map((e) => e.eventId)).size, 40);
        let current = 0;
        for (const e of chain) {
          assert.equal(e.fromVersion, current, `event ${e.eventId} starts where the previous one ended`);
          assert.equal(e.action, current === 0 ? 'SET' : current === e.toVersion ? 'UNCHANGED' : 'MOVED');
          current = e.toVersion;
        }
        assert.equal((await store.getModel('m'))?.aliases['prod'], current);
        assert.deepEqual((await store.aliasEventsAfter(0, 'm', 100)).map((e) => e.eventId), chain.map((e) => e.eventId));
      });

      it('gives 20 concurrent uploads of one new model one model and 20 distinct numbers', async () => {
        const created = await Promise.all(Array.from({ length: 20 }, (_, i) => store.insertVersion(version('m', `s${i}`), T0, model('m'))));
        assert.deepEqual(created.map((v) => v.version).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
        assert.equal((await store.listVersions({ modelName: 'm', includeArchived: true, tags: {}, limit: 100 })).total, 20);
      });

      it('lets exactly one of 10 concurrent creations of one name succeed', async () => {
        const results = await Promise.allSettled(Array.from({ length: 10 }, () => store.createModel(model('m'), T0)));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) {
          if (r.status === 'rejected') assert.equal((r.reason as L1g1Error).reason, 'MODEL_ALREADY_EXISTS');
        }
      });

      it('never leaves an alias on a version that a concurrent archive or delete removed', async () => {
        await store.insertVersion(version('m', 'a'), T0, model('m'));
        for (let i = 2; i <= 11; i++) await store.insertVersion(version('m', 'a'), T0);
        // Each version at once gets an alias and an archive (even) or a delete (odd): one of the two must lose.
        await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => i + 2).flatMap((v) => [
            store.setAlias('m', `a${v}`, v, 'w', T0),
            v % 2 === 0 ? store.archiveVersion('m', v, T0) : store.deleteVersion('m', v, T0),
          ]),
        );
        const m = await store.getModel('m');
        for (const [alias, v] of Object.entries(m?.aliases ?? {})) {
          const target = await store.getVersion('m', v);
          assert.ok(target, `alias ${alias} points at version ${v}, which exists`);
          assert.equal(target.status, 'READY', `alias ${alias} points at a READY version`);
        }
      });
    });
  });
}
