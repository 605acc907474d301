/**
 * Steps the annotation page's browser tests share: waiting for a labeling
 * job over REST, reading which record the page shows, waiting for a text.
 */
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';

type Api = (path: string) => Promise<{ status: number; body: Record<string, unknown> }>;

/** Polls the job (bounded: 300 × 100 ms) until it leaves queued/running. */
export async function finishedJob(api: Api, jobId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const r = await api(`/v1/labeling/jobs/${jobId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (!['queued', 'running'].includes(r.body['state'] as string)) return r.body;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`labeling job ${jobId} did not finish`);
}

/** Waits (20 s at most) until element `#id` holds `needle`. */
export const waitText = (page: Page, id: string, needle: string) => page.locator(`#${id}`, { hasText: needle }).waitFor({ timeout: 20_000 });

/** The record id of the task the page shows (its meta line reads "Task … · record <id> · …"). */
export async function shownRecord(page: Page): Promise<string> {
  const meta = (await page.locator('#task-meta').textContent()) ?? '';
  const m = / · record (\S+) · /.exec(meta);
  assert.ok(m, `no record in the task line: ${meta}`);
  return m[1] as string;
}
