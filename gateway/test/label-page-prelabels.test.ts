/**
 * The annotation page's pre-label path in a real browser (issue 10 points 3
 * and 8): a softmax model served by the real registry and inference
 * services pre-labels a project's tasks through a CreatePrelabels job
 * (REST); in the page the annotator sees each suggestion with its model
 * version and score, pre-filled, accepts it with the A key on one task,
 * with one click on another (after an edit it drops), corrects it on a
 * third, and labels a task that has none. The test checks what the service
 * stored for each (value, pre-label model version, accepted unchanged) and
 * that the live progress line followed every submission.
 */
import { strict as assert } from 'node:assert';
import { buildMlpWithWeights } from '@l1g1/onnx';
import type { Browser, Page } from 'playwright-core';
import { http, uploadModel } from '../../test/support/stack';
import { launchChromiumOrSkip } from './support/chromium';
import { finishedJob, openProject, shownRecord, startPrelabelPageStack, waitText as waitTextIn, type PrelabelPageStack } from './support/label-page-driver';
import type { LabelingStack } from './support/labeling-stack';

const CLASSES = ['cat', 'dog', 'eel'];
const FEATURES: Record<string, number[]> = {
  r1: [0.9, -1.2, 0.3, 2.0],
  r2: [-1.5, 0.4, 1.1, -0.7],
  r3: [0.2, 1.8, -0.9, 0.5],
};

interface PredictionJson {
  model: { name: string; version?: number };
  value: { classification: { labels: string[] } };
  score: number;
}
interface TaskJson {
  id: string;
  record: { id: string };
  prediction: PredictionJson | null;
}
interface AnnotationJson {
  task_id: string;
  annotator: string;
  value: { classification: { labels: string[] } } | null;
  prelabel_model: { name: string; version?: number } | null;
  prelabel_accepted_unchanged: boolean;
}

describe('annotation page: pre-labels from a served model, accepted and corrected in a real browser', function () {
  this.timeout(180_000);
  let env: PrelabelPageStack;
  let s: LabelingStack;
  let browser: Browser;
  let page: Page;

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    const model = buildMlpWithWeights({ inputSize: 4, hiddenSizes: [], outputSize: CLASSES.length, softmax: true, seed: 11 });
    env = await startPrelabelPageStack(browser, (models) => uploadModel(models.registry, 'animals', model.bytes, { alias: 'production' }));
    ({ labeling: s, page } = env);
  });
  after(async () => {
    await env?.close();
    await browser?.close();
  });

  const api = (path: string, init: { method?: string; json?: unknown } = {}) => http(`${s.gateway.url}${path}`, { headers: s.keys.admin, ...init });

  const waitText = (id: string, needle: string) => waitTextIn(page, id, needle);
  const pressed = async (name: string) => page.getByRole('button', { name, exact: true }).getAttribute('aria-pressed');

  it('shows each suggestion with model version and score, pre-filled; A and one click accept it, an edit corrects it; the service stores which', async () => {
    const created = await api('/v1/labeling/projects', {
      method: 'POST',
      json: { name: 'page-prelabels', instructions: 'Which animal?', label_config: { task_type: 'classification', classes: CLASSES } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const projectId = created.body.id as string;
    const records = Object.entries(FEATURES).map(([id, x]) => ({ id, text: JSON.stringify(x), content_type: 'application/json' }));
    assert.equal((await api(`/v1/labeling/projects/${projectId}/tasks`, { method: 'POST', json: { records } })).status, 201);

    // Arrange: pre-labels from animals@production through the real inference service, as a job.
    const started = await api(`/v1/labeling/projects/${projectId}:prelabel`, { method: 'POST', json: { model: { name: 'animals', alias: 'production' } } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const job = await finishedJob(api, started.body.job_id as string);
    assert.equal(job['state'], 'succeeded', JSON.stringify(job['error']));
    assert.equal((job['prelabel_result'] as { predicted: number }).predicted, 3);
    // A task imported after the run has no suggestion.
    assert.equal((await api(`/v1/labeling/projects/${projectId}/tasks`, { method: 'POST', json: { records: [{ id: 'r4', text: JSON.stringify([0, 0, 0, 0]), content_type: 'application/json' }] } })).status, 201);
    const listed = await api(`/v1/labeling/projects/${projectId}/tasks`);
    const tasks = new Map((listed.body.tasks as TaskJson[]).map((t) => [t.record.id, t]));
    assert.equal(tasks.size, 4);
    assert.equal(tasks.get('r4')?.prediction, null);
    const suggestionOf = (record: string): PredictionJson => {
      const p = tasks.get(record)?.prediction;
      assert.ok(p, `task of ${record} holds no pre-label`);
      return p;
    };

    // Act: label every task in the page, in whatever order the queue serves them (under the strict CSP).
    const cspViolations = await openProject(page, s.gateway.url, s.plain.alice, projectId);
    /** record id → how it was labelled in the page, and the label expected stored. */
    const done = new Map<string, { how: 'accept-key' | 'accept-click' | 'correct' | 'no-suggestion'; label: string }>();
    const plan: ('accept-key' | 'correct' | 'accept-click')[] = ['accept-key', 'correct', 'accept-click'];
    for (let n = 1; n <= 4; n++) {
      const record = await shownRecord(page);
      assert.ok(!done.has(record), `record ${record} was served twice`);
      if (record === 'r4') {
        // No suggestion: nothing shown, nothing pre-filled, A does nothing.
        assert.equal(await page.getByRole('button', { name: 'Accept pre-label' }).isVisible(), false);
        for (const c of CLASSES) assert.equal(await pressed(c), 'false');
        await page.locator('body').press('a');
        await page.locator('body').press('3');
        await page.locator('body').press('Control+Enter');
        done.set(record, { how: 'no-suggestion', label: 'eel' });
      } else {
        const p = suggestionOf(record);
        const [top] = p.value.classification.labels;
        assert.ok(top !== undefined && CLASSES.includes(top));
        // The suggestion is shown with its model version and score, and pre-filled.
        await waitText('prelabel-text', `Suggested by animals v1 (score ${p.score.toFixed(2)}): ${top}`);
        assert.equal(await pressed(top), 'true');
        const other = CLASSES.find((c) => c !== top) as string;
        const how = plan.shift();
        if (how === 'accept-key') {
          await page.locator('body').press('a');
          done.set(record, { how, label: top });
        } else if (how === 'correct') {
          await page.getByRole('button', { name: other, exact: true }).click();
          assert.equal(await pressed(top), 'false');
          await page.getByRole('button', { name: 'Submit' }).click();
          done.set(record, { how, label: other });
        } else {
          // An edit first; accepting drops it and sends the suggestion as the model gave it.
          await page.getByRole('button', { name: other, exact: true }).click();
          await page.getByRole('button', { name: 'Accept pre-label' }).click();
          done.set(record, { how: 'accept-click', label: top });
        }
      }
      // The live progress line (SSE) follows each submission.
      await waitText('progress', `Completed ${n} of 4 tasks`);
      if (n < 4) await page.locator('#task-meta', { hasNotText: ` record ${record} ` }).waitFor({ timeout: 20_000 });
    }
    await page.getByRole('status', { name: 'Queue' }).waitFor();
    assert.equal(await page.getByRole('alert').isVisible(), false, await page.locator('#error').textContent() ?? '');
    assert.deepEqual(cspViolations, []);

    // Assert: what the service stored for each task.
    const stored = await api(`/v1/labeling/projects/${projectId}/annotations`);
    assert.equal(stored.status, 200);
    const recordOfTask = new Map([...tasks.values()].map((t) => [t.id, t.record.id]));
    const byHow = new Map<string, AnnotationJson & { record: string }>();
    for (const a of stored.body.annotations as AnnotationJson[]) {
      const record = recordOfTask.get(a.task_id) as string;
      const d = done.get(record);
      assert.ok(d, `an annotation of ${record}, which the page did not label`);
      assert.deepEqual(a.value, { classification: { labels: [d.label] } }, `${d.how} on ${record}`);
      assert.equal(a.annotator, 'alice');
      byHow.set(d.how, { ...a, record });
    }
    assert.deepEqual([...byHow.keys()].sort(), ['accept-click', 'accept-key', 'correct', 'no-suggestion']);
    for (const how of ['accept-key', 'accept-click']) {
      const a = byHow.get(how);
      assert.deepEqual(a?.prelabel_model, { name: 'animals', version: 1 }, how);
      assert.equal(a?.prelabel_accepted_unchanged, true, how);
    }
    const corrected = byHow.get('correct');
    assert.deepEqual(corrected?.prelabel_model, { name: 'animals', version: 1 });
    assert.equal(corrected?.prelabel_accepted_unchanged, false);
    assert.notDeepEqual(corrected?.value, suggestionOf(corrected?.record ?? '').value);
    const unsuggested = byHow.get('no-suggestion');
    assert.equal(unsuggested?.prelabel_model, null);
    assert.equal(unsuggested?.prelabel_accepted_unchanged, false);
  });

  it('documents the accept shortcut in the page', async () => {
    await page.goto(`${s.gateway.url}/label`);
    assert.match((await page.locator('#keys-help').textContent()) ?? '', /\bA accepts the model's suggestion\b/);
    assert.equal(await page.locator('#accept-prelabel').getAttribute('aria-keyshortcuts'), 'A');
  });
});
