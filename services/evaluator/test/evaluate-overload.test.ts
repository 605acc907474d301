/**
 * Evaluations are bounded: with L1G1_EVALUATOR_MAX_QUEUED runs open, the
 * next Evaluate is refused at once with RESOURCE_EXHAUSTED and a retry-after,
 * before anything is queued. The open run here is held by an inference
 * address that accepts connections and never answers; shutting the
 * evaluator down cancels its call instead of waiting for the deadline.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server, type Socket } from 'node:net';
import { common, evaluator } from '@l1g1/contracts';
import { unary, type L1g1Error } from '@l1g1/kit';
import { buildMlp } from '@l1g1/onnx';
import { uploadModel } from '../../../test/support/stack';
import { featureRecords, publishFeatureRecords } from './support/eval-data';
import { startEvaluatorStack, type EvaluatorStack } from './support/start-evaluator';

describe('Evaluate under overload', function () {
  this.timeout(90_000);
  let s: EvaluatorStack;
  let silent: Server;
  const sockets = new Set<Socket>();

  before(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    s = await startEvaluatorStack({ env: { L1G1_INFERENCE_ADDR: `127.0.0.1:${port}`, L1G1_EVALUATOR_MAX_QUEUED: '1' } });
    await publishFeatureRecords(s.ingestion, 'points', featureRecords(30, 4));
    await uploadModel(s.stack.registry, 'points', buildMlp({ inputSize: 4, hiddenSizes: [], outputSize: 3, softmax: true }), { tags: { class_names: 'cat,dog,eel' } });
  });
  after(async () => {
    await s?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('refuses a run beyond the limit with RESOURCE_EXHAUSTED and a retry-after, queueing nothing', async () => {
    const request = evaluator.EvaluateRequest.fromPartial({ model: { name: 'points', selector: { $case: 'version', value: 1 } }, dataset: { name: 'points' } });
    const first = await unary(s.client.evaluate.bind(s.client), request);
    assert.ok(first.runId);
    const err = (await unary(s.client.evaluate.bind(s.client), request).then(
      () => undefined,
      (e: unknown) => e as L1g1Error,
    )) as L1g1Error;
    assert.ok(err, 'the second run was refused');
    assert.equal(err.kind, 'RESOURCE_EXHAUSTED');
    assert.ok(err.retryAfterMs > 0, 'with a retry-after');
    const listed = await unary(s.client.listEvaluations.bind(s.client), { page: undefined, model: undefined, dataset: undefined, state: common.JobState.JOB_STATE_UNSPECIFIED });
    assert.deepEqual(listed.runs.map((r) => r.runId), [first.runId], 'only the first run exists');
  });
});
