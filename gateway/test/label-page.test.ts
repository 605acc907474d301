import { strict as assert } from 'node:assert';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { http } from '../../test/support/stack';
import { launchChromiumOrSkip } from './support/chromium';
import { startLabelingStack, type LabelingStack } from './support/labeling-stack';

describe('annotation page in a real browser (Chromium via playwright-core)', function () {
  this.timeout(180_000);
  let s: LabelingStack;
  let browser: Browser;
  let page: Page;

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    s = await startLabelingStack();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  });
  afterEach(async () => page?.close());

  const createProject = async (body: Record<string, unknown>): Promise<string> => {
    const res = await http(`${s.gateway.url}/v1/labeling/projects`, { method: 'POST', headers: s.keys.admin, json: body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const importRecords = async (projectId: string, records: unknown[]) => {
    const res = await http(`${s.gateway.url}/v1/labeling/projects/${projectId}/tasks`, { method: 'POST', headers: s.keys.admin, json: { records } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const annotations = async (projectId: string) => {
    const res = await http(`${s.gateway.url}/v1/labeling/projects/${projectId}/annotations`, { headers: s.keys.admin });
    assert.equal(res.status, 200);
    return res.body.annotations as { task_id: string; annotator: string; skipped: boolean; value: Record<string, unknown> | null; lead_time_ms: number }[];
  };
  const taskOf = async (taskId: string) => (await http(`${s.gateway.url}/v1/labeling/tasks/${taskId}`, { headers: s.keys.admin })).body;
  /** Signs in with `key` and opens project `projectId` (its first task shows). */
  async function open(key: string, projectId: string): Promise<void> {
    await page.goto(`${s.gateway.url}/label`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Project').selectOption(projectId);
    await page.getByRole('region', { name: 'Task' }).waitFor();
  }
  // A locator, not page-side code: the page's CSP forbids evaluating strings, and the tests compile without the DOM library.
  const waitText = (id: string, needle: string) => page.locator(`#${id}`, { hasText: needle }).waitFor({ timeout: 20_000 });

  it('serves the page with a strict CSP and no inline script', async () => {
    const res = await fetch(`${s.gateway.url}/label`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${s.gateway.url}/label`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(violations, []);
  });

  it('classification: keyboard shortcut and clicks; the service\'s error is shown in the page; progress arrives live', async () => {
    const id = await createProject({ name: 'page-classes', instructions: 'Is it spam?', label_config: { task_type: 'classification', classes: ['ham', 'spam'] } });
    await importRecords(id, [
      { id: 'm1', text: 'Cheap pills, buy now' },
      { id: 'm2', text: 'Lunch at noon?' },
      { id: 'm3', text: 'Meeting notes attached' },
    ]);
    await open(s.plain.alice, id);
    await waitText('text', 'Cheap pills');
    // Submitting with no class: the service's message is shown in the page.
    await page.getByRole('button', { name: 'Submit' }).click();
    await waitText('error', 'value.classification.labels');
    assert.equal(await page.getByRole('alert').isVisible(), true);
    // Key 2 = the second class.
    await page.locator('body').press('2');
    assert.equal(await page.getByRole('button', { name: 'spam' }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: 'Submit' }).click();
    await waitText('text', 'Lunch at noon');
    await page.getByRole('button', { name: 'ham' }).click();
    await page.locator('body').press('Control+Enter');
    await waitText('text', 'Meeting notes');
    await page.getByRole('button', { name: 'Skip' }).click();
    await page.getByRole('status', { name: 'Queue' }).waitFor();
    // The live progress (SSE) reached the page.
    await waitText('progress', 'Completed 2 of 3 tasks');

    const stored = await annotations(id);
    const byRecord = new Map<string, { annotator: string; skipped: boolean; value: Record<string, unknown> | null }>();
    for (const a of stored) byRecord.set((await taskOf(a.task_id)).record.id, a);
    assert.deepEqual(byRecord.get('m1')?.value, { classification: { labels: ['spam'] } });
    assert.deepEqual(byRecord.get('m2')?.value, { classification: { labels: ['ham'] } });
    assert.equal(byRecord.get('m3')?.skipped, true);
    assert.ok(stored.every((a) => a.annotator === 'alice'));
  });

  it('entity spans: a mouse-dragged selection and a type picked by key and by click; a span removed', async () => {
    const text = 'Ada Lovelace wrote to Charles Babbage in London.';
    const id = await createProject({ name: 'page-spans', label_config: { task_type: 'ner', classes: ['PER', 'LOC'] } });
    await importRecords(id, [{ id: 's1', text }]);
    await open(s.plain.bob, id);
    await waitText('text', 'Babbage');

    /** Drags the mouse over `word` in the task text, from inside its first character to inside its last. */
    async function dragOver(word: string): Promise<void> {
      const start = text.indexOf(word);
      // Page-side code as text: the tests compile without the DOM library (CDP evaluates it, so the CSP allows it).
      const box = (await page.evaluate(`(() => {
        const el = document.getElementById('text');
        // The text is split into text nodes and marks; find the node holding each offset.
        const at = (offset) => {
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          let seen = 0;
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const len = n.textContent.length;
            if (offset < seen + len) return [n, offset - seen];
            seen += len;
          }
          throw new Error('offset past the text');
        };
        const rectOf = (offset) => {
          const [node, o] = at(offset);
          const r = document.createRange();
          r.setStart(node, o);
          r.setEnd(node, o + 1);
          return r.getBoundingClientRect();
        };
        const a = rectOf(${start});
        const b = rectOf(${start + word.length - 1});
        return { x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2 };
      })()`)) as { x1: number; y1: number; x2: number; y2: number };
      await page.mouse.move(box.x1, box.y1);
      await page.mouse.down();
      await page.mouse.move((box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2, { steps: 4 });
      await page.mouse.move(box.x2, box.y2, { steps: 4 });
      await page.mouse.up();
    }

    await page.locator('body').press('1'); // PER
    await dragOver('Ada Lovelace');
    await dragOver('Charles Babbage');
    await dragOver('wrote'); // a mistake, removed below
    await page.getByRole('button', { name: 'LOC' }).click();
    await dragOver('London');
    const spans = page.getByRole('list', { name: 'Spans' });
    assert.equal(await spans.getByRole('listitem').count(), 4);
    await page.getByRole('button', { name: 'Remove span PER wrote' }).click();
    assert.equal(await spans.getByRole('listitem').count(), 3);
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByRole('status', { name: 'Queue' }).waitFor();

    const [a] = await annotations(id);
    assert.ok(a, 'no annotation stored');
    const stored = (a.value as { ner: { spans: { start: number; end: number; label: string; text: string }[] } }).ner.spans;
    const want = (word: string, label: string) => ({ start: text.indexOf(word), end: text.indexOf(word) + word.length, label, text: word });
    assert.deepEqual(
      [...stored].sort((x, y) => x.start - y.start),
      [want('Ada Lovelace', 'PER'), want('Charles Babbage', 'PER'), want('London', 'LOC')],
    );
    assert.equal(a.annotator, 'bob');
    assert.ok(a.lead_time_ms > 0);
  });

  it('image boxes: a dragged box is stored in image coordinates; a second box removed', async () => {
    const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 210, g: 225, b: 240 } } }).png().toBuffer();
    const id = await createProject({ name: 'page-boxes', label_config: { task_type: 'bbox', classes: ['car', 'person'] } });
    await importRecords(id, [{ id: 'img1', data_base64: png.toString('base64'), content_type: 'image/png', metadata: { width: '200', height: '100' } }]);
    await open(s.plain.alice, id);
    const img = page.getByRole('img', { name: 'Task image' });
    await page.waitForFunction((el) => (el as unknown as { naturalWidth: number }).naturalWidth > 0, await img.elementHandle());
    const r = await img.boundingBox();
    assert.ok(r);
    // The image shows at its own size here: one CSS pixel is one image pixel.
    assert.equal(Math.round(r.width), 200);
    const drag = async (x1: number, y1: number, x2: number, y2: number) => {
      await page.mouse.move(r.x + x1, r.y + y1);
      await page.mouse.down();
      await page.mouse.move(r.x + (x1 + x2) / 2, r.y + (y1 + y2) / 2, { steps: 3 });
      await page.mouse.move(r.x + x2, r.y + y2, { steps: 3 });
      await page.mouse.up();
    };
    await page.getByRole('button', { name: 'person' }).click();
    await drag(40, 20, 120, 80);
    await page.locator('body').press('1'); // car
    await drag(150, 10, 190, 30);
    const boxes = page.getByRole('list', { name: 'Boxes' });
    assert.equal(await boxes.getByRole('listitem').count(), 2);
    await page.getByRole('button', { name: 'Remove box 2 car' }).click();
    assert.equal(await boxes.getByRole('listitem').count(), 1);
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByRole('status', { name: 'Queue' }).waitFor();

    const [a] = await annotations(id);
    assert.ok(a, 'no annotation stored');
    const [b] = (a.value as { bbox: { boxes: { label: string; x: number; y: number; width: number; height: number }[] } }).bbox.boxes;
    assert.ok(b);
    assert.equal(b.label, 'person');
    const px = [b.x * 200, b.y * 100, b.width * 200, b.height * 100];
    const want = [40, 20, 80, 60];
    px.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1, `box in pixels ${px.join(',')}, want ${want.join(',')}`));
  });

  it('free text: a refused answer stays in the page with the service\'s message; the corrected one is stored', async () => {
    const id = await createProject({ name: 'page-free', label_config: { task_type: 'free_text' } });
    await importRecords(id, [{ id: 'q1', text: 'Summarize: the meeting moved to Friday.' }]);
    await open(s.plain.bob, id);
    const answer = page.getByRole('textbox', { name: 'Answer' });
    const tooLong = 'x'.repeat(100_001);
    await answer.fill(tooLong);
    await page.getByRole('button', { name: 'Submit' }).click();
    await waitText('error', 'value.free_text.text');
    // Nothing typed is lost: the answer is still there to shorten.
    assert.equal((await answer.inputValue()).length, tooLong.length);
    await answer.fill('Meeting moved to Friday.');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByRole('status', { name: 'Queue' }).waitFor();
    const [a] = await annotations(id);
    assert.deepEqual(a?.value, { free_text: { text: 'Meeting moved to Friday.' } });
  });

  it('multi-label: keys and clicks toggle classes; the stored labels are the ones left pressed', async () => {
    const id = await createProject({ name: 'page-multi', label_config: { task_type: 'multi_label_classification', classes: ['billing', 'bug', 'praise'] } });
    await importRecords(id, [{ id: 't1', text: 'The invoice page crashes, but support was great.' }]);
    await open(s.plain.alice, id);
    await waitText('text', 'invoice');
    await page.locator('body').press('1');
    await page.locator('body').press('3');
    await page.getByRole('button', { name: 'bug' }).click();
    await page.locator('body').press('3'); // toggled off again
    assert.equal(await page.getByRole('button', { name: 'praise' }).getAttribute('aria-pressed'), 'false');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByRole('status', { name: 'Queue' }).waitFor();
    const [a] = await annotations(id);
    assert.deepEqual([...((a?.value as { classification: { labels: string[] } }).classification.labels)].sort(), ['billing', 'bug']);
  });
});
