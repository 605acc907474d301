/**
 * Labeling REST for the two streamed RPCs: `{project_id}:import-annotations` (an export
 * file as the body, relayed to the client-streamed ImportAnnotations) and
 * `jobs/{job_id}/events` (WatchJob as SSE with Last-Event-ID resume), against
 * real ingestion + labeling services and the real gateway.
 */
import { strict as assert } from 'node:assert';
import { http } from '../../test/support/stack';
import { readEvents } from './support/sse-events';
import { startLabelingStack, type LabelingStack } from './support/labeling-stack';

describe('gateway: labeling :import-annotations and job events over REST', function () {
  this.timeout(120_000);
  let s: LabelingStack;
  let url: string;
  before(async () => {
    s = await startLabelingStack();
    url = s.gateway.url;
  });
  after(async () => s?.close());

  const createProject = async (name: string, taskType: string, classes: string[], k = 1) => {
    const res = await http(`${url}/v1/labeling/projects`, { method: 'POST', headers: s.keys.admin, json: { name, label_config: { task_type: taskType, classes, annotations_per_task: k } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const importTexts = async (projectId: string, texts: string[]) => {
    const res = await http(`${url}/v1/labeling/projects/${projectId}/tasks`, { method: 'POST', headers: s.keys.admin, json: { records: texts.map((text, i) => ({ id: `r${i}`, text, metadata: { box: `b${i}` } })) } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const tasksOf = async (projectId: string): Promise<{ id: string; record: { id: string } }[]> => (await http(`${url}/v1/labeling/projects/${projectId}/tasks`, { headers: s.keys.admin })).body.tasks;
  const submit = async (taskId: string, annotator: string, value: unknown, extra: Record<string, unknown> = {}) => {
    const res = await http(`${url}/v1/labeling/tasks/${taskId}/annotations`, { method: 'POST', headers: s.keys.admin, json: { annotator, value, ...extra } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const exportText = async (projectId: string, query: string): Promise<string> => {
    const res = await fetch(`${url}/v1/labeling/projects/${projectId}/export?${query}`, { headers: s.keys.admin });
    assert.equal(res.status, 200);
    return res.text();
  };
  const importFile = (projectId: string, format: string, body: string, headers: Record<string, string> = s.keys.admin, contentType = 'application/octet-stream') =>
    http(`${url}/v1/labeling/projects/${projectId}:import-annotations?format=${format}`, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body });
  /** An export with every task id blanked (a fresh project issues its own). */
  const withoutTaskIds = async (projectId: string, text: string): Promise<string> => {
    let out = text;
    for (const t of await tasksOf(projectId)) out = out.split(t.id).join('');
    return out;
  };
  const cls = (label: string) => ({ classification: { labels: [label] } });

  /** Four spam/ham tasks labelled by alice and bob, with a gold answer where they disagree. */
  async function labelledSource(name: string): Promise<string> {
    const id = await createProject(name, 'classification', ['spam', 'ham'], 2);
    await importTexts(id, ['mail "0",\nline two', 'mail 1', 'mail 2', 'mail 3']);
    const tasks = await tasksOf(id);
    for (const [i, t] of tasks.entries()) {
      await submit(t.id, 'alice', cls('spam'), { lead_time_ms: 1000 + i });
      await submit(t.id, 'bob', cls(i === 3 ? 'ham' : 'spam'), { lead_time_ms: 2000 + i });
    }
    await submit(tasks[3]!.id, 'rev', cls('ham'), { gold: true });
    return id;
  }

  it('round-trips JSONL, CSV and Label Studio JSON: GET export → POST :import-annotations into a fresh project → the same export', async () => {
    const source = await labelledSource('rt-source');
    const cases: [string, string, string][] = [
      ['jsonl', 'resolution=all', 'application/x-ndjson'],
      ['csv', 'resolution=latest&include_incomplete=true', 'text/csv'],
      ['label_studio_json', 'resolution=all', 'application/octet-stream'],
    ];
    for (const [format, query, contentType] of cases) {
      const first = await exportText(source, `format=${format}&${query}`);
      const copy = await createProject(`rt-copy-${format}`, 'classification', ['spam', 'ham'], 2);
      // Sent as the export's own text type, or as bytes (JSON exports: the gateway never parses them).
      const res = await importFile(copy, format, first, s.keys.admin, contentType);
      assert.equal(res.status, 200, `${format}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.items, 4, format);
      assert.equal(res.body.tasks_created, 4, format);
      assert.ok(res.body.annotations_imported >= 4, format);
      assert.equal(res.body.annotations_unchanged, 0, format);
      const again = await exportText(copy, `format=${format}&${query}`);
      if (format === 'label_studio_json') {
        type LsTask = { annotations: { completed_by: string; id?: unknown }[] };
        const norm = (t: string) => (JSON.parse(t) as LsTask[]).map((x) => ({ ...x, annotations: x.annotations.map(({ id: _i, ...r }) => r).sort((m, n) => m.completed_by.localeCompare(n.completed_by)) }));
        assert.deepEqual(norm(await withoutTaskIds(copy, again)), norm(await withoutTaskIds(source, first)), format);
      } else if (format === 'jsonl') {
        const norm = (t: string) => t.split('\n').filter((l) => l !== '').map((l) => {
          const o = JSON.parse(l) as { annotations: { annotator: string }[] };
          return { ...o, annotations: [...o.annotations].sort((m, n) => m.annotator.localeCompare(n.annotator)) };
        });
        assert.deepEqual(norm(await withoutTaskIds(copy, again)), norm(await withoutTaskIds(source, first)), format);
      } else {
        assert.equal(await withoutTaskIds(copy, again), await withoutTaskIds(source, first), format);
      }
    }
    // The same file again adds nothing: every annotation is counted unchanged.
    const jsonl = await exportText(source, 'format=jsonl&resolution=all');
    const repeat = await importFile(source, 'jsonl', jsonl);
    assert.equal(repeat.status, 200, JSON.stringify(repeat.body));
    assert.deepEqual([repeat.body.tasks_created, repeat.body.annotations_imported, repeat.body.annotations_unchanged], [0, 0, 9]);
  });

  it('round-trips NER spans through CoNLL-2003 over REST', async () => {
    const a = await createProject('ner-src', 'ner', ['PER', 'LOC']);
    await importTexts(a, ['Ada Lovelace lives in London', 'Paris and Rome']);
    const [t1, t2] = await tasksOf(a);
    const spans = (...xs: [number, number, string][]) => ({ ner: { spans: xs.map(([start, end, label]) => ({ start, end, label })) } });
    await submit(t1!.id, 'x', spans([0, 3, 'PER'], [4, 12, 'PER'], [22, 28, 'LOC']));
    await submit(t2!.id, 'x', spans([0, 5, 'LOC'], [10, 14, 'LOC']));
    const first = await exportText(a, 'format=conll2003');
    const b = await createProject('ner-copy', 'ner', ['PER', 'LOC']);
    const res = await importFile(b, 'conll2003', first, s.keys.admin, 'text/plain');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.annotations_imported, 2);
    const noTaskIds = (t: string) => t.replace(/^# task_id = .*$/gm, '');
    assert.equal(noTaskIds(await exportText(b, 'format=conll2003')), noTaskIds(first));
  });

  it('a malformed file is a 400 naming the item (or the body) and writes nothing; an unknown project is 404', async () => {
    const p = await createProject('strict', 'classification', ['spam', 'ham']);
    const line = (id: string, label: string) => JSON.stringify({ task_id: '', record_id: id, text: `text ${id}`, metadata: {}, annotations: [{ annotator: 'a', value: cls(label), lead_time_ms: 5, gold: false }] });
    const bad = await importFile(p, 'jsonl', [line('ok-1', 'spam'), line('bad', 'eggs'), line('ok-2', 'ham')].join('\n'));
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error.field, 'items[1].annotations[0].value.classification.labels[0]');
    assert.equal((await tasksOf(p)).length, 0, 'nothing of a refused file is written');

    const unreadable = await importFile(p, 'jsonl', '{"not json');
    assert.equal(unreadable.status, 400, JSON.stringify(unreadable.body));
    assert.equal(unreadable.body.error.field, 'body');
    assert.ok(unreadable.body.error.message.startsWith('body: '), unreadable.body.error.message);

    const wrongKind = await importFile(p, 'conll2003', '-DOCSTART- -X- -X- O\n');
    assert.equal(wrongKind.status, 400, JSON.stringify(wrongKind.body));
    assert.equal(wrongKind.body.error.field, 'format');

    const asJson = await importFile(p, 'label_studio_json', '[]', s.keys.admin, 'application/json');
    assert.equal(asJson.status, 415, JSON.stringify(asJson.body));
    assert.equal(asJson.body.error.field, 'content-type');

    const missing = await importFile('prj_000000000ffffffffffffffff', 'jsonl', line('x', 'spam'));
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    assert.ok(!JSON.stringify(missing.body).includes('127.0.0.1'));
  });

  it('a body over the gateway upload limit is refused with BODY_TOO_LARGE before the service writes anything', async () => {
    const small = await startLabelingStack({ L1G1_MAX_UPLOAD_BYTES: '2048' });
    try {
      const created = await http(`${small.gateway.url}/v1/labeling/projects`, { method: 'POST', headers: small.keys.admin, json: { name: 'tiny', label_config: { task_type: 'classification', classes: ['a'] } } });
      const line = JSON.stringify({ task_id: '', record_id: 'x', text: 'y'.repeat(100), metadata: {}, annotations: [] });
      const res = await http(`${small.gateway.url}/v1/labeling/projects/${created.body.id}:import-annotations?format=jsonl`, {
        method: 'POST',
        headers: { ...small.keys.admin, 'content-type': 'application/x-ndjson' },
        body: Array.from({ length: 40 }, () => line).join('\n'),
      });
      assert.equal(res.status, 413, JSON.stringify(res.body));
      assert.equal(res.body.error.reason, 'BODY_TOO_LARGE');
      assert.equal(res.body.error.field, 'body');
      const tasks = await http(`${small.gateway.url}/v1/labeling/projects/${created.body.id}/tasks`, { headers: small.keys.admin });
      assert.equal(tasks.body.tasks.length, 0);
    } finally {
      await small.close();
    }
  });

  it('scopes: importing needs write (an annotate-only or read key is 403); watching a job needs read', async () => {
    const p = await createProject('scoped-import', 'classification', ['spam', 'ham']);
    const line = JSON.stringify({ task_id: '', record_id: 'x', text: 'x', metadata: {}, annotations: [{ annotator: 'a', value: cls('spam'), lead_time_ms: 0, gold: false }] });
    for (const key of [s.keys.alice, s.keys.reader]) {
      const res = await importFile(p, 'jsonl', line, key);
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.error.reason, 'MISSING_SCOPE');
    }
    assert.equal((await tasksOf(p)).length, 0);
    // A read key reaches the service (which answers 404 for an unknown job): the scope let it through.
    const unknown = await http(`${url}/v1/labeling/jobs/00000000-0000-4000-8000-000000000000/events`, { headers: s.keys.reader });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
  });

  it('GET jobs/{job_id}/events streams an export-to-snapshot job to its end, Last-Event-ID resumes after the given event, and the snapshot imports back with label_field', async () => {
    const p = await labelledSource('watched');
    const started = await http(`${url}/v1/labeling/projects/${p}:export-to-snapshot`, { method: 'POST', headers: s.keys.admin, json: { dataset: 'watched-labels' } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const jobId = started.body.job_id as string;

    const all = await readEvents(`${url}/v1/labeling/jobs/${jobId}/events`, s.keys.reader, { timeoutMs: 60_000 });
    assert.equal(all.status, 200);
    const last = all.events[all.events.length - 1]!;
    assert.equal(last.event, 'state', 'the stream ends after the terminal state');
    const end = JSON.parse(last.data) as { job_id: string; job: { state: string; export_result: { records: number } } };
    assert.equal(end.job_id, jobId);
    assert.equal(end.job.state, 'succeeded', last.data);
    assert.equal(end.job.export_result.records, 4);
    const ids = all.events.map((e) => Number(e.id));
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), `sequences rise: ${ids.join(',')}`);
    assert.ok(all.events.every((e) => (JSON.parse(e.data) as { type: string }).type === e.event));

    // Resume after the first event: exactly the rest, nothing twice.
    const resumed = await readEvents(`${url}/v1/labeling/jobs/${jobId}/events`, { ...s.keys.reader, 'last-event-id': String(ids[0]) }, { timeoutMs: 30_000 });
    assert.deepEqual(resumed.events.map((e) => Number(e.id)), ids.slice(1));
    const byQuery = await readEvents(`${url}/v1/labeling/jobs/${jobId}/events?after_sequence=${ids[ids.length - 2]}`, s.keys.reader, { timeoutMs: 30_000 });
    assert.deepEqual(byQuery.events.map((e) => Number(e.id)), ids.slice(-1));

    // The exported snapshot imports back with its labels: label_field "label" (ExportToSnapshot's default) becomes each task's pre-annotation.
    const back = await createProject('watched-back', 'classification', ['spam', 'ham']);
    const imported = await http(`${url}/v1/labeling/projects/${back}/tasks`, { method: 'POST', headers: s.keys.admin, json: { snapshot: { dataset: 'watched-labels' }, label_field: 'label' } });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal(imported.body.imported, 4);
    const labels = (await http(`${url}/v1/labeling/projects/${back}/tasks`, { headers: s.keys.reader })).body.tasks.map((t: { prediction: { source: string; value: { classification: { labels: string[] } } } }) => [t.prediction.source, t.prediction.value.classification.labels[0]]);
    // Three tasks both annotators called spam; the fourth settled as ham by the gold answer.
    assert.deepEqual(labels.map((l: string[]) => l[1]).sort(), ['ham', 'spam', 'spam', 'spam']);
    assert.ok(labels.every((l: string[]) => l[0] === 'import'));
  });

  it('POST tasks with label_field: each record\'s metadata label shows as the task\'s pre-label (source "import"); a bad one is a 400 naming label_field', async () => {
    const p = await createProject('rest-label-field', 'classification', ['spam', 'ham']);
    const post = (records: unknown[]) => http(`${url}/v1/labeling/projects/${p}/tasks`, { method: 'POST', headers: s.keys.admin, json: { label_field: 'label', records } });
    const bad = await post([{ id: 'a', text: 'x', metadata: { label: 'eggs' } }]);
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error.field, 'label_field');
    const ok = await post([{ id: 'a', text: 'x', metadata: { label: 'spam' } }]);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const [task] = (await http(`${url}/v1/labeling/projects/${p}/tasks`, { headers: s.keys.reader })).body.tasks;
    assert.equal(task.prediction.source, 'import');
    assert.equal(task.prediction.model, null);
    assert.deepEqual(task.prediction.value, { classification: { labels: ['spam'] } });
  });

  it('malformed job-event and import requests are 400 naming the parameter', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/v1/labeling/jobs/bad%20id/events', 'job_id'],
      ['GET', '/v1/labeling/jobs/job_1/events?after_sequence=-1', 'after_sequence'],
      ['GET', '/v1/labeling/jobs/job_1/events?since=3', 'since'],
      ['POST', '/v1/labeling/projects/p1:import-annotations', 'format'],
      ['POST', '/v1/labeling/projects/p1:import-annotations?format=excel', 'format'],
      // YOLO comes as a tar archive: a body that is none is refused naming it.
      ['POST', '/v1/labeling/projects/p1:import-annotations?format=yolo', 'body'],
      ['POST', '/v1/labeling/projects/p1:import-annotations?format=jsonl&resolution=all', 'resolution'],
    ];
    for (const [method, path, field] of cases) {
      const res = await http(`${url}${path}`, { method, headers: { ...s.keys.admin, 'content-type': 'application/octet-stream' }, ...(method === 'POST' ? { body: '{}' } : {}) });
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.field, field, `${method} ${path}: ${JSON.stringify(res.body)}`);
    }
    const lastEventId = await http(`${url}/v1/labeling/jobs/job_1/events`, { headers: { ...s.keys.admin, 'last-event-id': 'abc' } });
    assert.equal(lastEventId.status, 400);
    assert.equal(lastEventId.body.error.field, 'Last-Event-ID');
  });
});
