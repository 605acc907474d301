/**
 * ImportTasks from a dataset snapshot through a real ingestion service
 * (ReadRecords over gRPC): the snapshot is pinned and named on every task,
 * split and metadata filters apply, a retried import adds nothing, and a
 * missing snapshot is the client's NOT_FOUND.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { labeling } from '@l1g1/contracts';
import type { StoredRecord } from '../../ingestion/src/domain/snapshot/stored-record';
import { publishTestSnapshot } from '../../ingestion/test/support/publish-test-snapshot';
import { startTestIngestion, TEST_INTERNAL_SECRET, type TestIngestion } from '../../ingestion/test/support/start-ingestion';
import { calls, refusal } from './support/calls';
import { startTestLabeling, type TestLabeling } from './support/start-labeling';

function sentences(n: number): StoredRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const text = `Sentence number ${i} mentions Paris.`;
    return {
      id: createHash('sha256').update(text).digest('hex'),
      modality: 'text',
      contentType: 'text/plain',
      data: Buffer.from(text),
      metadata: { split: i % 4 === 0 ? 'test' : 'train', lang: i % 2 === 0 ? 'en' : 'fr' },
    };
  });
}

describe('labeling: tasks from an ingestion snapshot (real ingestion + labeling over gRPC)', function () {
  this.timeout(60_000);
  let ing: TestIngestion;
  let lab: TestLabeling;
  let api: ReturnType<typeof calls>;
  let version: number;
  before(async () => {
    ing = await startTestIngestion();
    version = (await publishTestSnapshot(ing.deps, 'sentences', sentences(20))).version;
    lab = await startTestLabeling({ ingestionAddress: ing.service.address, internalSecret: TEST_INTERNAL_SECRET });
    api = calls(lab.client);
  });
  after(async () => {
    await lab?.close();
    await ing?.close();
  });

  const ner = () =>
    api.createProject({
      name: 'places',
      labelConfig: { taskType: labeling.TaskType.TASK_TYPE_NER, classes: [{ name: 'LOC', index: 0, description: '', color: '' }] },
    });

  it('creates one task per record, pins the snapshot on each, and a retry adds nothing', async () => {
    const p = await ner();
    const first = await api.importTasks({ projectId: p.id, snapshot: { name: 'sentences', snapshot: 0 } });
    assert.equal(first.imported, 20);
    assert.deepEqual(first.snapshot, { name: 'sentences', snapshot: version });
    const tasks = await api.listTasks({ projectId: p.id, page: { pageSize: 100, pageToken: '' } });
    assert.equal(tasks.tasks.length, 20);
    assert.deepEqual(tasks.tasks[0]?.source, { name: 'sentences', snapshot: version });
    assert.match(Buffer.from(tasks.tasks[0]?.record?.data ?? new Uint8Array()).toString(), /mentions Paris/);
    const retry = await api.importTasks({ projectId: p.id, snapshot: { name: 'sentences', snapshot: version } });
    assert.deepEqual([retry.imported, retry.skippedExisting], [0, 20]);
  });

  it('imports only the split and metadata asked for', async () => {
    const p = await ner();
    const r = await api.importTasks({ projectId: p.id, snapshot: { name: 'sentences', snapshot: 0 }, split: 'test', metadataEquals: { lang: 'en' } });
    // i % 4 === 0 is always even: every test record is English.
    assert.equal(r.imported, 5);
  });

  it('pages through tasks with a token bound to its filters', async () => {
    const p = await ner();
    await api.importTasks({ projectId: p.id, snapshot: { name: 'sentences', snapshot: 0 } });
    const ids: string[] = [];
    let token = '';
    for (let i = 0; i < 10; i++) {
      const page = await api.listTasks({ projectId: p.id, page: { pageSize: 7, pageToken: token } });
      ids.push(...page.tasks.map((t) => t.id));
      token = page.page?.nextPageToken ?? '';
      if (token === '') break;
    }
    assert.equal(new Set(ids).size, 20);
    const first = await api.listTasks({ projectId: p.id, page: { pageSize: 7, pageToken: '' } });
    const err = await refusal(api.listTasks({ projectId: p.id, state: labeling.TaskState.TASK_STATE_OPEN, page: { pageSize: 7, pageToken: first.page?.nextPageToken ?? '' } }));
    assert.equal(err.field, 'page.page_token');
  });

  it('leaves nothing behind when an import is refused after its first batches were written', async () => {
    // 600 records read in id order; the last one is over the record limit, so the refusal comes after 500 were written.
    const records = sentences(600);
    const last = [...records].sort((x, y) => x.id.localeCompare(y.id))[599];
    assert.ok(last);
    last.data = Buffer.alloc(2048, 97);
    await publishTestSnapshot(ing.deps, 'big-tail', records);
    const strict = await startTestLabeling({ ingestionAddress: ing.service.address, internalSecret: TEST_INTERNAL_SECRET, env: { L1G1_LABELING_MAX_RECORD_BYTES: '1024' } });
    try {
      const s = calls(strict.client);
      const p = await s.createProject({ name: 'strict', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_NER, classes: [{ name: 'LOC', index: 0, description: '', color: '' }] } });
      const err = await refusal(s.importTasks({ projectId: p.id, snapshot: { name: 'big-tail', snapshot: 0 } }));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal((await s.getProject(p.id)).taskCount, 0, 'the 500 tasks of the first batch were removed again');
    } finally {
      await strict.close();
    }
  });

  it('answers NOT_FOUND for a snapshot that does not exist and creates no task', async () => {
    const p = await ner();
    const err = await refusal(api.importTasks({ projectId: p.id, snapshot: { name: 'no-such-dataset', snapshot: 0 } }));
    assert.equal(err.kind, 'NOT_FOUND');
    assert.equal((await api.getProject(p.id)).taskCount, 0);
  });
});
