import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { asL1g1Error, createGrpcClient, unary } from '@l1g1/kit';
import { http } from '../../test/support/stack';
import { readEvents } from './support/sse-events';
import { startLabelingStack, type LabelingStack } from './support/labeling-stack';

describe('gateway: labeling through REST against a real labeling service', function () {
  this.timeout(120_000);
  let s: LabelingStack;
  let url: string;
  before(async () => {
    s = await startLabelingStack();
    url = s.gateway.url;
  });
  after(async () => s?.close());

  const createProject = async (body: Record<string, unknown>) => {
    const res = await http(`${url}/v1/labeling/projects`, { method: 'POST', headers: s.keys.admin, json: body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string };
  };
  const importTexts = async (projectId: string, texts: string[]) => {
    const res = await http(`${url}/v1/labeling/projects/${projectId}/tasks`, {
      method: 'POST',
      headers: s.keys.admin,
      json: { records: texts.map((text, i) => ({ id: `r${i}`, text })) },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const next = (projectId: string, headers: Record<string, string>, body: unknown = {}) => http(`${url}/v1/labeling/projects/${projectId}:next-task`, { method: 'POST', headers, json: body });
  const submit = (taskId: string, headers: Record<string, string>, body: unknown) => http(`${url}/v1/labeling/tasks/${taskId}/annotations`, { method: 'POST', headers, json: body });

  it('an annotate-only key takes tasks and submits as itself, but cannot create or delete projects, act for others or give gold', async () => {
    const p = await createProject({ name: 'scopes', label_config: { task_type: 'classification', classes: ['ham', 'spam'], annotations_per_task: 2 } });
    await importTexts(p.id, ['hello', 'buy now']);
    // Reads are allowed (the page lists projects with the annotator's key).
    assert.equal((await http(`${url}/v1/labeling/projects/${p.id}`, { headers: s.keys.alice })).status, 200);
    const created = await http(`${url}/v1/labeling/projects`, { method: 'POST', headers: s.keys.alice, json: { name: 'x', label_config: { task_type: 'classification', classes: ['a'] } } });
    assert.equal(created.status, 403, JSON.stringify(created.body));
    const deleted = await http(`${url}/v1/labeling/projects/${p.id}`, { method: 'DELETE', headers: s.keys.alice });
    assert.equal(deleted.status, 403);
    assert.equal(deleted.body.error.reason, 'MISSING_SCOPE');
    // A reader may not take tasks: taking one reserves it.
    assert.equal((await next(p.id, s.keys.reader)).status, 403);

    const got = await next(p.id, s.keys.alice);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.equal(got.body.task.reserved_by, 'alice');
    assert.equal(got.body.task.record.text, 'hello');
    const forOther = await next(p.id, s.keys.alice, { annotator: 'bob' });
    assert.equal(forOther.status, 403);
    assert.equal(forOther.body.error.field, 'annotator');
    const gold = await submit(got.body.task.id, s.keys.alice, { value: { classification: { labels: ['ham'] } }, gold: true });
    assert.equal(gold.status, 403);
    assert.equal(gold.body.error.field, 'gold');

    const ok = await submit(got.body.task.id, s.keys.alice, { value: { classification: { labels: ['ham'] } }, lead_time_ms: 1200 });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.annotator, 'alice');
    assert.equal(ok.body.lead_time_ms, 1200);
    // A write key may enter a label for someone else (a lead transcribing paper labels).
    const lead = await submit(got.body.task.id, s.keys.admin, { annotator: 'carol', value: { classification: { labels: ['spam'] } } });
    assert.equal(lead.status, 201, JSON.stringify(lead.body));
    assert.equal(lead.body.annotator, 'carol');
  });

  it('the labeling service itself lets an annotate-only key take tasks and submit over gRPC, not delete projects', async () => {
    const p = await createProject({ name: 'grpc-scopes', label_config: { task_type: 'classification', classes: ['a', 'b'] } });
    await importTexts(p.id, ['one']);
    const key = s.keys.alice.authorization!.slice('Bearer '.length);
    const client = createGrpcClient(labeling.LabelingServiceClient, s.labeling.service.address, { identity: { apiKey: key } });
    try {
      const got = await unary(client.nextTask.bind(client), { projectId: p.id, annotator: 'alice', strategy: 0 });
      assert.ok(got.task);
      const value = { value: { $case: 'classification' as const, value: { labels: ['a'] } } };
      const a = await unary(client.submitAnnotation.bind(client), { taskId: got.task.id, annotator: 'alice', value, leadTimeMs: 1, skipped: false, annotationId: '', fromPrelabel: false, gold: false });
      assert.equal(a.annotator, 'alice');
      await assert.rejects(unary(client.deleteProject.bind(client), { projectId: p.id, force: true }), (e: unknown) => asL1g1Error(e).kind === 'PERMISSION_DENIED');
    } finally {
      client.close();
    }
  });

  it('invalid annotations are 400 naming the field; a second submission is 409; a replacement keeps history; skip frees the task', async () => {
    const p = await createProject({ name: 'spans', label_config: { task_type: 'ner', classes: ['PER', 'ORG'] } });
    await importTexts(p.id, ['Ada works at IBM', 'nothing here']);
    const t = (await next(p.id, s.keys.bob)).body.task;
    const past = await submit(t.id, s.keys.bob, { value: { ner: { spans: [{ start: 0, end: 99, label: 'PER' }] } } });
    assert.equal(past.status, 400);
    assert.equal(past.body.error.field, 'value.ner.spans[0].end');
    const unknown = await submit(t.id, s.keys.bob, { value: { ner: { spans: [{ start: 0, end: 3, label: 'LOC' }] } } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.field, 'value.ner.spans[0].label');
    const wrongKind = await submit(t.id, s.keys.bob, { value: { classification: { labels: ['PER'] } } });
    assert.equal(wrongKind.status, 400);
    const notInt = await submit(t.id, s.keys.bob, { value: { ner: { spans: [{ start: 'a', end: 3, label: 'PER' }] } } });
    assert.equal(notInt.status, 400);
    assert.equal(notInt.body.error.field, 'value.ner.spans[0].start');
    const misspelt = await submit(t.id, s.keys.bob, { value: { ner: { spans: [] } }, lead_time: 5 });
    assert.equal(misspelt.status, 400);
    assert.equal(misspelt.body.error.field, 'lead_time');

    const first = await submit(t.id, s.keys.bob, { value: { ner: { spans: [{ start: 0, end: 3, label: 'PER' }] } } });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.value.ner.spans[0].text, 'Ada');
    const again = await submit(t.id, s.keys.bob, { value: { ner: { spans: [] } } });
    assert.equal(again.status, 409);
    const replaced = await submit(t.id, s.keys.bob, { annotation_id: first.body.id, value: { ner: { spans: [{ start: 0, end: 3, label: 'PER' }, { start: 13, end: 16, label: 'ORG' }] } } });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    const list = await http(`${url}/v1/labeling/tasks/${t.id}/annotations`, { headers: s.keys.reader });
    assert.equal(list.status, 200);
    assert.equal(list.body.annotations.length, 1);
    assert.deepEqual(list.body.annotations[0].value.ner.spans.map((x: { text: string }) => x.text), ['Ada', 'IBM']);
    assert.equal(list.body.annotations[0].history.length, 1);
    assert.deepEqual(list.body.annotations[0].history[0].value.ner.spans.map((x: { text: string }) => x.text), ['Ada']);

    const second = (await next(p.id, s.keys.bob)).body.task;
    const skipped = await http(`${url}/v1/labeling/tasks/${second.id}:skip`, { method: 'POST', headers: s.keys.bob, json: {} });
    assert.equal(skipped.status, 200, JSON.stringify(skipped.body));
    assert.equal(skipped.body.skipped, true);
    const none = await next(p.id, s.keys.bob);
    assert.equal(none.status, 200);
    assert.equal(none.body.task, null);
  });

  it('agreement, review queue and a streamed export of two annotators', async () => {
    const p = await createProject({ name: 'agree', label_config: { task_type: 'classification', classes: ['ham', 'spam'], annotations_per_task: 2 } });
    await importTexts(p.id, ['a', 'b', 'c', 'd']);
    const answers: Record<string, string[]> = { alice: ['ham', 'spam', 'spam', 'ham'], bob: ['ham', 'spam', 'ham', 'ham'] };
    for (const who of ['alice', 'bob'] as const) {
      for (let i = 0; i < 4; i++) {
        const t = (await next(p.id, s.keys[who])).body.task;
        const label = answers[who]![Number(String(t.record.id).slice(1))]!;
        assert.equal((await submit(t.id, s.keys[who], { value: { classification: { labels: [label] } } })).status, 201);
      }
    }
    const agreement = await http(`${url}/v1/labeling/projects/${p.id}/agreement?metric=percent`, { headers: s.keys.reader });
    assert.equal(agreement.status, 200, JSON.stringify(agreement.body));
    assert.equal(agreement.body.tasks_compared, 4);
    assert.equal(agreement.body.observed_agreement, 0.75);
    const review = await http(`${url}/v1/labeling/projects/${p.id}/review-queue`, { headers: s.keys.reader });
    assert.equal(review.status, 200);
    assert.equal(review.body.items.length, 1);

    const exported = await fetch(`${url}/v1/labeling/projects/${p.id}/export?format=jsonl&resolution=all`, { headers: s.keys.reader });
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type') ?? '', /ndjson|jsonl|json/);
    assert.match(exported.headers.get('content-disposition') ?? '', /^attachment; filename=".+"/);
    const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l) as { annotations: unknown[] });
    assert.equal(lines.length, 4);
    assert.ok(lines.every((l) => l.annotations.length === 2));
    const csv = await fetch(`${url}/v1/labeling/projects/${p.id}/export?format=csv`, { headers: s.keys.reader });
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    await csv.text();
    // YOLO (a tar archive over REST) holds boxes: this classification project cannot export it.
    const yolo = await http(`${url}/v1/labeling/projects/${p.id}/export?format=yolo`, { headers: s.keys.reader });
    assert.equal(yolo.status, 400);
    assert.equal(yolo.body.error.field, 'format');
    // A format the project cannot hold is the service's 400, before any byte of the file.
    const conll = await http(`${url}/v1/labeling/projects/${p.id}/export?format=conll2003`, { headers: s.keys.reader });
    assert.equal(conll.status, 400, JSON.stringify(conll.body));
    assert.equal(conll.body.error.field, 'format');
  });

  it('the progress stream sends the state at once, then every change', async () => {
    const p = await createProject({ name: 'live', label_config: { task_type: 'classification', classes: ['ham', 'spam'] } });
    await importTexts(p.id, ['x', 'y']);
    const stream = readEvents(`${url}/v1/labeling/projects/${p.id}/events`, s.keys.reader, { max: 2, timeoutMs: 30_000 });
    // Give the stream its first (snapshot) event before the change.
    await new Promise((r) => setTimeout(r, 300));
    const t = (await next(p.id, s.keys.alice)).body.task;
    assert.equal((await submit(t.id, s.keys.alice, { value: { classification: { labels: ['spam'] } } })).status, 201);
    const { status, events } = await stream;
    assert.equal(status, 200);
    assert.equal(events.length, 2);
    assert.ok(events.every((e) => e.event === 'progress'));
    const [first, second] = events.map((e) => JSON.parse(e.data) as { task_count: number; completed_task_count: number; annotation_count: number });
    assert.deepEqual([first!.task_count, first!.completed_task_count, first!.annotation_count], [2, 0, 0]);
    assert.deepEqual([second!.task_count, second!.completed_task_count, second!.annotation_count], [2, 1, 1]);
    const unknown = await http(`${url}/v1/labeling/projects/prj_000000000ffffffffffffffff/events`, { headers: s.keys.reader });
    assert.equal(unknown.status, 404);
  });

  it('project CRUD: list, patch (append a class), delete refused with annotations unless force', async () => {
    const p = await createProject({ name: 'crud', label_config: { task_type: 'classification', classes: [{ name: 'a', color: '#ff0000' }] } });
    const patched = await http(`${url}/v1/labeling/projects/${p.id}`, { method: 'PATCH', headers: s.keys.admin, json: { add_classes: ['b'], description: 'two now' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.label_config.classes.map((c: { name: string; index: number }) => [c.name, c.index]), [['a', 0], ['b', 1]]);
    const listed = await http(`${url}/v1/labeling/projects?task_type=classification`, { headers: s.keys.reader });
    assert.ok(listed.body.projects.some((x: { id: string }) => x.id === p.id));
    await importTexts(p.id, ['q']);
    const t = (await next(p.id, s.keys.alice)).body.task;
    await submit(t.id, s.keys.alice, { value: { classification: { labels: ['b'] } } });
    const refused = await http(`${url}/v1/labeling/projects/${p.id}`, { method: 'DELETE', headers: s.keys.admin });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    const forced = await http(`${url}/v1/labeling/projects/${p.id}?force=true`, { method: 'DELETE', headers: s.keys.admin });
    assert.equal(forced.status, 204);
    assert.equal(await (await fetch(`${url}/v1/labeling/projects/${p.id}?force=true`, { method: 'DELETE', headers: s.keys.admin })).status, 404);
  });

  it('malformed input is a 400 naming the field before the service is asked', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/labeling/projects', { name: 'x', label_config: { task_type: 'boxes' } }, 'label_config.task_type'],
      ['POST', '/v1/labeling/projects', { name: 'x', label_config: {} }, 'label_config.task_type'],
      ['POST', '/v1/labeling/projects', { label_config: { task_type: 'ner' } }, 'name'],
      ['POST', '/v1/labeling/projects', { name: 'x', label_config: { task_type: 'ner', classes: [1] } }, 'label_config.classes[0]'],
      ['POST', '/v1/labeling/projects/p1/tasks', {}, 'snapshot'],
      ['POST', '/v1/labeling/projects/p1/tasks', { records: [{ text: 'a', data_base64: 'AA==' }] }, 'records[0].text'],
      ['POST', '/v1/labeling/projects/p1/tasks', { snapshot: { dataset: 'Bad Name' } }, 'snapshot.dataset'],
      ['GET', '/v1/labeling/projects/p1/tasks?state=done', undefined, 'state'],
      ['GET', '/v1/labeling/projects/p1/export', undefined, 'format'],
      ['GET', '/v1/labeling/projects/p1/agreement?metric=kappa', undefined, 'metric'],
      ['POST', '/v1/labeling/tasks/t1/annotations', { value: { ner: {}, bbox: {} } }, 'value'],
      ['POST', '/v1/labeling/tasks/t1/annotations', { value: { bbox: { boxes: [{ label: 'a', x: '1', y: 0, width: 1, height: 1 }] } } }, 'value.bbox.boxes[0].x'],
      ['DELETE', '/v1/labeling/projects/p1?force=perhaps', undefined, 'force'],
      ['GET', '/v1/labeling/projects/p1/events?x=1', undefined, 'x'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await http(`${url}${path}`, { method, headers: s.keys.admin, ...(body !== undefined ? { json: body } : {}) });
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.field, field, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.ok(res.body.error.message.includes(field), res.body.error.message);
    }
  });
});
