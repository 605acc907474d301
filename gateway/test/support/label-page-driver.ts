/**
 * What the annotation page's pre-label browser tests share: the stack (a
 * registry and inference service sharing the labeling stack's internal
 * secret, so labeling calls them as a service) with a page open, waiting for
 * a labeling job over REST, reading which record the page shows, waiting for
 * a text.
 */
import { strict as assert } from 'node:assert';
import type { Browser, Page } from 'playwright-core';
import { TEST_INTERNAL_SECRET } from '../../../services/ingestion/test/support/start-ingestion';
import { startStack, type Stack } from '../../../test/support/stack';
import { startLabelingStack, type LabelingStack } from './labeling-stack';

export interface PrelabelPageStack {
  models: Stack;
  labeling: LabelingStack;
  page: Page;
  close(): Promise<void>;
}

/** Starts the model services, lets `seed` register models, then the labeling stack wired to them and a page. */
export async function startPrelabelPageStack(browser: Browser, seed: (models: Stack) => Promise<unknown>): Promise<PrelabelPageStack> {
  const models = await startStack({ sharedEnv: { L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET } });
  let labeling: LabelingStack | undefined;
  try {
    await seed(models);
    labeling = await startLabelingStack({}, { L1G1_REGISTRY_ADDR: models.registryAddr, L1G1_INFERENCE_ADDR: models.inferenceAddr });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const started = labeling;
    return {
      models,
      labeling: started,
      page,
      async close() {
        await page.close();
        await started.close();
        await models.stop();
      },
    };
  } catch (err: unknown) {
    await labeling?.close();
    await models.stop();
    throw err;
  }
}

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

/**
 * Opens the page at `baseUrl`, signs in with `key` and opens `projectId`'s first task; answers
 * the Content Security Policy violations the console reports from then on (the page must cause none).
 */
export async function openProject(page: Page, baseUrl: string, key: string, projectId: string): Promise<string[]> {
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${baseUrl}/label`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Project').selectOption(projectId);
  await page.getByRole('region', { name: 'Task' }).waitFor();
  return cspViolations;
}
