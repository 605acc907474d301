/**
 * The model-fed labeling routes through the gateway against a real labeling
 * service: label issues and the review queue's label-issue reason in the
 * `/v1` dialect, the task list's uncertainty order, a project's default
 * strategy, and pre-label runs' validation, jobs and scopes. (Pre-label runs
 * against a real registry and inference service are covered by
 * services/labeling/test/prelabels.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { http } from '../../test/support/stack';
import { startLabelingStack, type LabelingStack } from './support/labeling-stack';

describe('gateway: model-fed labeling routes (pre-labels, active learning, label issues)', function () {
  this.timeout(120_000);
  let s: LabelingStack;
  let url: string;
  before(async () => {
    s = await startLabelingStack();
    url = s.gateway.url;
  });
  after(async () => s?.close());

  const post = (path: string, json: unknown, headers = s.keys.admin) => http(`${url}${path}`, { method: 'POST', headers, json });
  const get = (path: string, headers = s.keys.admin) => http(`${url}${path}`, { headers });

  async function project(extra: Record<string, unknown> = {}): Promise<{ id: string; tasks: string[] }> {
    const p = await post('/v1/labeling/projects', { name: 'ml', label_config: { task_type: 'classification', classes: ['a', 'b', 'c'], ...extra } });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    const imported = await post(`/v1/labeling/projects/${p.body.id}/tasks`, { records: ['one', 'two', 'three', 'four'].map((text, i) => ({ id: `r${i}`, text })) });
    assert.equal(imported.status, 201);
    const tasks = await get(`/v1/labeling/projects/${p.body.id}/tasks`);
    return { id: p.body.id as string, tasks: (tasks.body.tasks as { id: string }[]).map((t) => t.id) };
  }

  it('find-label-issues flags a confidently contradicted label and the review queue shows it with its evidence (snake_case)', async () => {
    const p = await project();
    const labels = ['a', 'a', 'b', 'b'];
    for (const [i, t] of p.tasks.entries()) {
      const r = await post(`/v1/labeling/tasks/${t}/annotations`, { value: { classification: { labels: [labels[i]] } } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // t_a = (.9 + .1) / 2 = .5, t_b = (.8 + .7) / 2 = .75: task 2 (labelled a, p(b) = .8 ≥ .75) is flagged.
    const probabilities = [
      { task_id: p.tasks[0], class_scores: { a: 0.9, b: 0.05, c: 0.05 } },
      { task_id: p.tasks[1], class_scores: { a: 0.1, b: 0.8, c: 0.1 } },
      { task_id: p.tasks[2], class_scores: { a: 0.2, b: 0.8, c: 0 } },
      { task_id: p.tasks[3], class_scores: { a: 0.3, b: 0.7, c: 0 } },
    ];
    const found = await post(`/v1/labeling/projects/${p.id}:find-label-issues`, { probabilities });
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal(found.body.sent_to_review, 1);
    assert.equal(found.body.tasks_checked, 4);
    assert.equal(found.body.issues[0].task_id, p.tasks[1]);
    assert.equal(found.body.issues[0].suggested_label, 'b');
    assert.equal(found.body.issues[0].suggested_threshold, 0.75);
    const queue = await get(`/v1/labeling/projects/${p.id}/review-queue?reason=label_issue`);
    assert.equal(queue.status, 200);
    assert.deepEqual(
      queue.body.items.map((i: { task_id: string; reason: string; label_issue: { given_label: string; suggested_label: string } }) => [i.task_id, i.reason, i.label_issue.given_label, i.label_issue.suggested_label]),
      [[p.tasks[1], 'label_issue', 'a', 'b']],
    );
    const disagreements = await get(`/v1/labeling/projects/${p.id}/review-queue`);
    assert.deepEqual(disagreements.body.items, []);
    // Client mistakes are 400s naming the field, never 5xx.
    const badScore = await post(`/v1/labeling/projects/${p.id}:find-label-issues`, { probabilities: [{ task_id: p.tasks[0], class_scores: { a: 'high' } }] });
    assert.equal(badScore.status, 400);
    assert.equal(badScore.body.error.field, 'probabilities[0].class_scores');
    const unknownClass = await post(`/v1/labeling/projects/${p.id}:find-label-issues`, { probabilities: [{ task_id: p.tasks[0], class_scores: { zebra: 1 } }] });
    assert.equal(unknownClass.status, 400);
    assert.equal(unknownClass.body.error.field, 'probabilities[0].class_scores');
    const extra = await post(`/v1/labeling/projects/${p.id}:find-label-issues`, { dry_run: true, threshold: 0.5 });
    assert.equal(extra.status, 400);
    assert.equal((await get(`/v1/labeling/projects/${p.id}/review-queue?reason=sometimes`)).body.error.field, 'reason');
  });

  it('tasks take an order, a project a default strategy that next-task reports', async () => {
    const p = await project({ active_learning_strategy: 'margin' });
    const shown = await get(`/v1/labeling/projects/${p.id}`);
    assert.equal(shown.body.label_config.active_learning_strategy, 'margin');
    const ordered = await get(`/v1/labeling/projects/${p.id}/tasks?order=entropy&page_size=2`);
    assert.equal(ordered.status, 200, JSON.stringify(ordered.body));
    assert.equal(ordered.body.tasks.length, 2);
    const rest = await get(`/v1/labeling/projects/${p.id}/tasks?order=entropy&page_size=2&page_token=${encodeURIComponent(ordered.body.next_page_token)}`);
    assert.equal(rest.body.tasks.length, 2);
    assert.equal(new Set([...ordered.body.tasks, ...rest.body.tasks].map((t: { id: string }) => t.id)).size, 4);
    const next = await post(`/v1/labeling/projects/${p.id}:next-task`, {});
    assert.equal(next.status, 200);
    assert.equal(next.body.strategy, 'margin');
    assert.equal((await get(`/v1/labeling/projects/${p.id}/tasks?order=random`)).body.error.field, 'order');
    assert.equal((await get(`/v1/labeling/projects/${p.id}/tasks?order=bogus`)).body.error.field, 'order');
  });

  it('pre-label runs: the body is checked before any upstream call, a project that cannot be pre-labelled is a 400, jobs list and cancel, scopes', async () => {
    const p = await project();
    const noModel = await post(`/v1/labeling/projects/${p.id}:prelabel`, {});
    assert.equal(noModel.status, 400);
    assert.equal(noModel.body.error.field, 'model');
    const noName = await post(`/v1/labeling/projects/${p.id}:prelabel`, { model: { alias: 'production' } });
    assert.equal(noName.body.error.field, 'model.name');
    const batch = await post(`/v1/labeling/projects/${p.id}:prelabel`, { model: { name: 'm', alias: 'production' }, batch_size: 100000 });
    assert.equal(batch.status, 400);
    assert.equal(batch.body.error.field, 'batch_size');
    // Entity-span projects take a tagger's pre-labels now; free-text answers have no pre-labels.
    const free = await post('/v1/labeling/projects', { name: 'free', label_config: { task_type: 'free_text' } });
    const refused = await post(`/v1/labeling/projects/${free.body.id}:prelabel`, { model: { name: 'm', alias: 'production' } });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.field, 'project_id');
    const reader = await post(`/v1/labeling/projects/${p.id}:prelabel`, { model: { name: 'm', alias: 'production' } }, s.keys.reader);
    assert.equal(reader.status, 403);
    const jobs = await get(`/v1/labeling/projects/${p.id}/jobs?kind=prelabel`);
    assert.equal(jobs.status, 200, JSON.stringify(jobs.body));
    assert.deepEqual(jobs.body.jobs, []);
    const cancel = await post('/v1/labeling/jobs/00000000-0000-4000-8000-000000000000:cancel', {});
    assert.equal(cancel.status, 404);
    assert.equal((await get(`/v1/labeling/projects/${p.id}/jobs?state=sleeping`)).body.error.field, 'state');
  });
});
