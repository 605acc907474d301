/**
 * The evaluator's service shape, every part real: it serves grpc.health.v1,
 * implements every method (the UNIMPLEMENTED base names a method when not built),
 * and refuses a write to a read-only key.
 */
import { strict as assert } from 'node:assert';
import { evaluator, health } from '@l1g1/contracts';
import { createGrpcClient, unary, type L1g1Error } from '@l1g1/kit';
import { createUnimplementedHandlers } from '../src/handlers/unimplemented-handlers';
import { startEvaluatorStack, type EvaluatorStack } from './support/start-evaluator';

describe('evaluator service shape', function () {
  this.timeout(60_000);
  let s: EvaluatorStack;
  before(async () => {
    s = await startEvaluatorStack();
  });
  after(async () => {
    await s?.close();
  });

  it('serves grpc.health.v1 for the EvaluatorService', async () => {
    const client = createGrpcClient(health.HealthClient, s.evaluator.address);
    try {
      const res = await unary(client.check.bind(client), { service: 'l1g1.evaluator.v1.EvaluatorService' });
      assert.equal(res.status, health.HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      client.close();
    }
  });

  it('CompareVariants, the last method built, is served: an empty request is refused naming model.name, not UNIMPLEMENTED', async () => {
    const err = (await unary(s.client.compareVariants.bind(s.client), evaluator.CompareVariantsRequest.fromPartial({})).catch((e: unknown) => e)) as L1g1Error;
    assert.equal(err.kind, 'INVALID_ARGUMENT');
    assert.equal(err.field, 'model.name');
  });

  it('the UNIMPLEMENTED base names the method (for a group not built into a build)', async () => {
    const err = (await createUnimplementedHandlers().compareVariants(evaluator.CompareVariantsRequest.fromPartial({}), undefined as never).catch((e: unknown) => e)) as L1g1Error;
    assert.equal(err.kind, 'UNIMPLEMENTED');
    assert.match(err.message, /compareVariants/);
  });

  it('refuses Evaluate to a key with only the read scope (method scopes are wired)', async () => {
    const readKey = await s.stack.createKey({ name: 'reader', scopes: ['read'] });
    const reader = createGrpcClient(evaluator.EvaluatorServiceClient, s.evaluator.address, { identity: { apiKey: readKey } });
    try {
      const err = (await unary(reader.evaluate.bind(reader), evaluator.EvaluateRequest.fromPartial({})).catch((e: unknown) => e)) as L1g1Error;
      assert.equal(err.kind, 'PERMISSION_DENIED');
    } finally {
      reader.close();
    }
  });
});
