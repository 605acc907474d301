/**
 * The annotation page with span pre-labels in a real browser (issue 10
 * point 3 for entity-span projects): a token tagger trained in the test by
 * the trainer's library, served by the real registry and inference
 * services, pre-labels a span project's tasks through a CreatePrelabels job
 * (REST); in the page each task shows the suggestion (model version, score,
 * spans) with its spans pre-filled and listed at their UTF-16 offsets (an
 * emoji before the entities included); the annotator accepts some with the
 * A key and corrects others by removing a span. The test checks what the
 * service stored for each, under the strict CSP.
 */
import { strict as assert } from 'node:assert';
import type { Browser, Page } from 'playwright-core';
import { entitySentences } from '../../services/trainer/test/support/entity-sentences';
import { trainTestTagger } from '../../services/trainer/test/support/test-tagger';
import { http, uploadModel } from '../../test/support/stack';
import { launchChromiumOrSkip } from './support/chromium';
import { finishedJob, openProject, shownRecord, startPrelabelPageStack, waitText as waitTextIn, type PrelabelPageStack } from './support/label-page-driver';
import type { LabelingStack } from './support/labeling-stack';

interface SpanJson {
  start: number;
  end: number;
  label: string;
  text: string;
}
interface TaskJson {
  id: string;
  record: { id: string };
  prediction: { model: { name: string; version?: number }; value: { ner: { spans: SpanJson[] } }; score: number } | null;
}
interface AnnotationJson {
  task_id: string;
  value: { ner: { spans: SpanJson[] } } | null;
  prelabel_model: { name: string; version?: number } | null;
  prelabel_accepted_unchanged: boolean;
}

const TASKS = 4;

describe('annotation page: span pre-labels from a token tagger, accepted and corrected in a real browser', function () {
  this.timeout(180_000);
  let env: PrelabelPageStack;
  let s: LabelingStack;
  let browser: Browser;
  let page: Page;

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    const tagger = await trainTestTagger();
    env = await startPrelabelPageStack(browser, (models) => uploadModel(models.registry, 'tagger', tagger.onnx, { tags: tagger.tags, alias: 'production' }));
    ({ labeling: s, page } = env);
  });
  after(async () => {
    await env?.close();
    await browser?.close();
  });

  const api = (path: string, init: { method?: string; json?: unknown } = {}) => http(`${s.gateway.url}${path}`, { headers: s.keys.admin, ...init });

  const waitText = (id: string, needle: string) => waitTextIn(page, id, needle);

  it('shows each span suggestion pre-filled at its UTF-16 offsets; A accepts it, removing a span corrects it; the service stores which', async () => {
    const created = await api('/v1/labeling/projects', {
      method: 'POST',
      json: { name: 'page-span-prelabels', instructions: 'Mark people, places and organisations.', label_config: { task_type: 'ner', classes: ['LOC', 'ORG', 'PER'] } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const projectId = created.body.id as string;
    // The first text starts with an emoji: one code point, two UTF-16 units, so every entity after it shifts by one.
    const texts = entitySentences(TASKS, 11, true).map((r, i) => (i === 0 ? `🙂 ${r.data as string}` : (r.data as string)));
    const records = texts.map((text, i) => ({ id: `t${i}`, text, content_type: 'text/plain' }));
    assert.equal((await api(`/v1/labeling/projects/${projectId}/tasks`, { method: 'POST', json: { records } })).status, 201);
    const started = await api(`/v1/labeling/projects/${projectId}:prelabel`, { method: 'POST', json: { model: { name: 'tagger', alias: 'production' } } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const job = await finishedJob(api, started.body.job_id as string);
    assert.equal(job['state'], 'succeeded', JSON.stringify(job['error']));
    const listed = await api(`/v1/labeling/projects/${projectId}/tasks`);
    const tasks = new Map((listed.body.tasks as TaskJson[]).map((t) => [t.record.id, t]));
    assert.equal(tasks.size, TASKS);
    const textOf = (record: string) => texts[Number(record.slice(1))] as string;
    for (const [record, t] of tasks) {
      for (const sp of t.prediction?.value.ner.spans ?? []) assert.equal(textOf(record).slice(sp.start, sp.end), sp.text);
    }

    const cspViolations = await openProject(page, s.gateway.url, s.plain.alice, projectId);
    /** record id → the spans expected stored, and whether the suggestion was taken unchanged. */
    const done = new Map<string, { spans: SpanJson[]; unchanged: boolean }>();
    for (let n = 1; n <= TASKS; n++) {
      const record = await shownRecord(page);
      assert.ok(!done.has(record), `record ${record} was served twice`);
      const p = tasks.get(record)?.prediction;
      assert.ok(p, `task of ${record} holds no pre-label`);
      const spans = p.value.ner.spans;
      const described = spans.length === 0 ? 'no entities' : spans.map((x) => `${x.label} "${x.text}"`).join(', ');
      await waitText('prelabel-text', `Suggested by tagger v1 (score ${p.score.toFixed(2)}): ${described}`);
      // Pre-filled: every suggested span is listed at its offsets, and highlighted in the text.
      const items = await page.locator('#spans li').allTextContents();
      assert.deepEqual(
        items.map((i) => i.replace(/\s*Remove$/, '').trim()),
        [...spans].sort((a, b) => a.start - b.start).map((x) => `${x.label} "${x.text}" [${x.start}, ${x.end})`),
      );
      assert.deepEqual(await page.locator('#text mark').allTextContents(), [...spans].sort((a, b) => a.start - b.start).map((x) => x.text));
      if (spans.length > 0 && n % 2 === 0) {
        const first = spans[0] as SpanJson;
        await page.getByRole('button', { name: `Remove span ${first.label} ${first.text}`, exact: true }).click();
        await page.getByRole('button', { name: 'Submit' }).click();
        done.set(record, { spans: spans.slice(1), unchanged: false });
      } else {
        await page.locator('body').press('a');
        done.set(record, { spans, unchanged: true });
      }
      await waitText('progress', `Completed ${n} of ${TASKS} tasks`);
      if (n < TASKS) await page.locator('#task-meta', { hasNotText: ` record ${record} ` }).waitFor({ timeout: 20_000 });
    }
    assert.equal(await page.getByRole('alert').isVisible(), false, (await page.locator('#error').textContent()) ?? '');
    assert.deepEqual(cspViolations, []);
    assert.ok([...done.values()].some((d) => !d.unchanged), 'at least one suggestion was corrected');

    const stored = await api(`/v1/labeling/projects/${projectId}/annotations`);
    assert.equal(stored.status, 200);
    const recordOfTask = new Map([...tasks.values()].map((t) => [t.id, t.record.id]));
    const annotations = stored.body.annotations as AnnotationJson[];
    assert.equal(annotations.length, TASKS);
    for (const a of annotations) {
      const record = recordOfTask.get(a.task_id) as string;
      const d = done.get(record);
      assert.ok(d, `an annotation of ${record}, which the page did not label`);
      const sorted = (x: SpanJson[]) => [...x].sort((u, v) => u.start - v.start);
      assert.deepEqual(sorted(a.value?.ner.spans ?? []), sorted(d.spans), record);
      assert.deepEqual(a.prelabel_model, { name: 'tagger', version: 1 });
      assert.equal(a.prelabel_accepted_unchanged, d.unchanged, record);
    }
  });
});
