/**
 * Pre-labels follow the variant policy users get: the labeling service
 * calls inference through kit's batch predictor without the evaluator's
 * allow-unusable override, so an fp16 variant the evaluator marked not
 * usable is refused (the run fails with inference's FAILED_PRECONDITION
 * naming `precision`, nothing stored),
 * while the fp32 model pre-labels the same tasks.
 */
import { strict as assert } from 'node:assert';
import { common, labeling, variantUsabilityTags } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import { buildDemoClassifier } from '@l1g1/onnx';
import { uploadModel } from '../../../test/support/stack';
import { calls, labelClass } from './support/calls';
import { mlCalls, startMlStack, waitForJob, type MlStack } from './support/ml-stack';

const { PRECISION_FP32: FP32, PRECISION_FP16: FP16 } = common.Precision;

describe('labeling: pre-labels use the variant policy users get (no evaluator override)', function () {
  this.timeout(120_000);
  let s: MlStack;

  before(async () => {
    s = await startMlStack();
    const demo = buildDemoClassifier();
    await uploadModel(s.stack.registry, 'iris', demo, { alias: 'production' });
    await uploadModel(s.stack.registry, 'iris', demo, { version: 1, precision: FP16 });
    // Recorded before any Predict, so no cached policy hides it.
    await unary(s.stack.registry.updateVersion.bind(s.stack.registry), { modelName: 'iris', version: 1, tags: variantUsabilityTags('fp16', false, 'macro-F1 drop 0.2 > 0.01'), metrics: {} });
  });
  after(async () => s?.close());

  it('an fp16 variant marked not usable fails the run with inference\'s refusal naming precision and stores nothing; fp32 pre-labels the tasks', async () => {
    const api = calls(s.labeling.client);
    const ml = mlCalls(s.labeling.client);
    const p = await api.createProject({ name: 'iris', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: ['setosa', 'versicolor', 'virginica'].map(labelClass) } });
    const rows = [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]];
    await api.importTasks({ projectId: p.id, records: rows.map((x, i) => ({ id: `r${i}`, data: Buffer.from(JSON.stringify(x)), contentType: 'application/json', metadata: {} })) });
    const model = { name: 'iris', selector: { $case: 'alias' as const, value: 'production' } };

    const refused = await waitForJob(ml.getJob, (await ml.createPrelabels({ projectId: p.id, model, precision: FP16 })).status?.jobId ?? '');
    assert.equal(refused.status?.state, common.JobState.JOB_STATE_FAILED, JSON.stringify(refused.status));
    assert.equal(refused.status?.error?.reason, 'FAILED_PRECONDITION', JSON.stringify(refused.status?.error));
    assert.match(refused.status?.error?.message ?? '', /^precision: the fp16 variant of iris version 1 is marked not usable/);
    assert.ok((await api.listTasks({ projectId: p.id })).tasks.every((t) => t.prediction === undefined));

    const served = await waitForJob(ml.getJob, (await ml.createPrelabels({ projectId: p.id, model, precision: FP32 })).status?.jobId ?? '');
    assert.equal(served.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(served.status?.error));
    const tasks = (await api.listTasks({ projectId: p.id })).tasks;
    assert.equal(tasks.filter((t) => t.prediction?.model?.name === 'iris').length, 2);
  });
});
