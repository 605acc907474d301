import { strict as assert } from 'node:assert';
import { unary } from '@l1g1/kit';
import {
  blobFiles,
  rejectsWith,
  startTestRegistry,
  tinyModel,
  uniqueName,
  uploadVersion,
  type TestRegistry,
} from './helpers';

describe('model-registry: models', () => {
  let t: TestRegistry;

  before(async () => {
    t = await startTestRegistry();
  });

  after(async () => {
    await t.close();
  });

  const create = (name: string, extra: { description?: string; task?: string; tags?: Record<string, string> } = {}) =>
    unary(t.client.createModel.bind(t.client), {
      name,
      description: extra.description ?? '',
      task: extra.task ?? '',
      tags: extra.tags ?? {},
    });

  it('creates a model and reads it back', async () => {
    const created = await create('iris-classifier', {
      description: 'Fisher iris',
      task: 'classification',
      tags: { team: 'ml', empty: '' },
    });

    const read = await unary(t.client.getModel.bind(t.client), { name: 'iris-classifier' });

    assert.equal(read.name, 'iris-classifier');
    assert.equal(read.description, 'Fisher iris');
    assert.equal(read.task, 'classification');
    assert.deepEqual(read.tags, { team: 'ml' }, 'an empty tag value means "absent"');
    assert.equal(read.latestVersion, 0);
    assert.deepEqual(read.aliases, {});
    assert.ok(read.createdAt instanceof Date);
    assert.deepEqual(read, created);
  });

  it('refuses invalid model names with INVALID_ARGUMENT naming the field', async () => {
    for (const bad of ['', 'Upper', '-leading-dash', 'has space', 'a/b', 'x'.repeat(129)]) {
      await rejectsWith(create(bad), { kind: 'INVALID_ARGUMENT', field: 'name', message: /^name: / });
    }
    await rejectsWith(unary(t.client.getModel.bind(t.client), { name: '../etc' }), {
      kind: 'INVALID_ARGUMENT',
      field: 'name',
      message: /not a valid model name/,
    });
  });

  it('refuses a duplicate name with ALREADY_EXISTS, and an unknown one with NOT_FOUND', async () => {
    const name = uniqueName('dup');
    await create(name);

    await rejectsWith(create(name), {
      kind: 'ALREADY_EXISTS',
      reason: 'MODEL_ALREADY_EXISTS',
      message: new RegExp(name),
    });
    await rejectsWith(unary(t.client.getModel.bind(t.client), { name: 'never-created' }), {
      kind: 'NOT_FOUND',
      reason: 'MODEL_NOT_FOUND',
      message: /model "never-created" not found/,
    });
  });

  it('refuses bad tags naming the tag', async () => {
    await rejectsWith(create(uniqueName('tags'), { tags: { 'bad key!': 'x' } }), {
      kind: 'INVALID_ARGUMENT',
      field: 'tags["bad key!"]',
    });
  });

  it('updates description and task, and merges tags (empty value removes)', async () => {
    const name = uniqueName('upd');
    await create(name, { description: 'old', task: 'ner', tags: { a: '1', b: '2' } });

    const updated = await unary(t.client.updateModel.bind(t.client), {
      name,
      description: 'new',
      tags: { b: '', c: '3' },
    });

    assert.equal(updated.description, 'new');
    assert.equal(updated.task, 'ner', 'an absent optional field stays as it was');
    assert.deepEqual(updated.tags, { a: '1', c: '3' });
  });

  it('pages through ListModels with opaque tokens, with filters', async () => {
    const prefix = uniqueName('page');
    for (let i = 0; i < 5; i++) {
      await create(`${prefix}-m${i}`, {
        description: i % 2 === 0 ? 'Even SPECIAL model' : 'odd',
        tags: { parity: String(i % 2) },
      });
    }
    const seen: string[] = [];
    let token = '';
    let pages = 0;

    do {
      const res = await unary(t.client.listModels.bind(t.client), {
        page: { pageSize: 2, pageToken: token },
        query: prefix,
        tags: {},
      });
      seen.push(...res.models.map((m) => m.name));
      assert.equal(res.page?.totalSize, 5);
      token = res.page?.nextPageToken ?? '';
      pages += 1;
    } while (token !== '');

    assert.equal(pages, 3);
    assert.deepEqual(
      seen,
      [0, 1, 2, 3, 4].map((i) => `${prefix}-m${i}`),
    );

    const special = await unary(t.client.listModels.bind(t.client), {
      page: undefined,
      query: 'special',
      tags: { parity: '0' },
    });
    assert.deepEqual(
      special.models.map((m) => m.name).filter((n) => n.startsWith(prefix)),
      [`${prefix}-m0`, `${prefix}-m2`, `${prefix}-m4`],
      'query is a case-insensitive substring of the description; tags must all match',
    );
  });

  it('refuses a bad page token, and a token replayed with other filters', async () => {
    const list = (pageToken: string, query = '') =>
      unary(t.client.listModels.bind(t.client), { page: { pageSize: 1, pageToken }, query, tags: {} });
    await create(uniqueName('tok'));
    await create(uniqueName('tok'));
    const first = await list('');
    const token = first.page?.nextPageToken ?? '';
    assert.notEqual(token, '');

    await rejectsWith(list('not a token!'), {
      kind: 'INVALID_ARGUMENT',
      field: 'page.page_token',
      reason: 'INVALID_PAGE_TOKEN',
    });
    await rejectsWith(list(Buffer.from('{"k":"models"}').toString('base64url')), {
      kind: 'INVALID_ARGUMENT',
      field: 'page.page_token',
    });
    await rejectsWith(list(token, 'other'), {
      kind: 'INVALID_ARGUMENT',
      field: 'page.page_token',
      message: /different filters/,
    });
    await rejectsWith(
      unary(t.client.listModels.bind(t.client), { page: { pageSize: -1, pageToken: '' }, query: '', tags: {} }),
      {
        kind: 'INVALID_ARGUMENT',
        field: 'page.page_size',
      },
    );
  });

  it('deletes a model with its versions and aliases, and its blobs', async () => {
    const name = uniqueName('del');
    const bytes = tinyModel(991);
    const v1 = await uploadVersion(t.client, name, bytes);
    await uploadVersion(t.client, name, tinyModel(992));
    await unary(t.client.setAlias.bind(t.client), { modelName: name, alias: 'production', version: 1 });
    const sha = v1.artifacts[0]?.sha256 ?? '';
    assert.ok(
      blobFiles(t.config).some((f) => f.endsWith(sha)),
      'the blob is on disk before the delete',
    );

    const res = await unary(t.client.deleteModel.bind(t.client), { name });

    assert.equal(res.deletedVersions, 2);
    await rejectsWith(unary(t.client.getModel.bind(t.client), { name }), { kind: 'NOT_FOUND' });
    assert.ok(!blobFiles(t.config).some((f) => f.endsWith(sha)), 'the unreferenced blob is gone');
    const log = await unary(t.client.listAliasEvents.bind(t.client), { modelName: name, page: undefined });
    assert.deepEqual(
      log.events.map((e) => [e.alias, e.fromVersion, e.toVersion]),
      [
        ['production', 0, 1],
        ['production', 1, 0],
      ],
      'the audit log records the alias removal and outlives the model',
    );
  });
});
