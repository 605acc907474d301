import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import { L1g1Error } from '@l1g1/kit';
import { createUnimplementedHandlers } from '../src/handlers/unimplemented-handlers';
import { loadIngestionConfig } from '../src/index';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

describe('ingestion service skeleton', () => {
  let svc: TestIngestion;
  before(async () => {
    svc = await startTestIngestion();
  });
  after(async () => {
    await svc.close();
  });

  it('serves on a free port and answers a real handler (DiffSnapshots of an unknown dataset: NOT_FOUND naming it)', async () => {
    assert.match(svc.service.address, /^127\.0\.0\.1:\d+$/);
    const err = await new Promise<{ code?: number; details?: string }>((resolve) => {
      svc.client.diffSnapshots({ dataset: 'nothing-here', fromVersion: 1, toVersion: 2, includeChanges: false, page: undefined }, (e) => resolve(e ?? {}));
    });
    assert.equal(err.code, status.NOT_FOUND);
    assert.match(String(err.details), /nothing-here/);
  });

  it('answers UNIMPLEMENTED naming the method for one whose handler group has not landed', async () => {
    // Every IngestionService method has landed, so the fallback base is checked directly.
    const base = createUnimplementedHandlers() as unknown as Record<string, () => Promise<never>>;
    const err = await base['diffSnapshots']!().catch((e: unknown) => e);
    assert.ok(err instanceof L1g1Error);
    assert.equal(err.kind, 'UNIMPLEMENTED');
    assert.match(err.message, /IngestionService\.diffSnapshots/);
  });
});

describe('ingestion config', () => {
  it('has defaults that work on one laptop', () => {
    const c = loadIngestionConfig({ L1G1_DATA_DIR: '/tmp/x' });
    assert.equal(c.address, '127.0.0.1:50053');
    assert.equal(c.maxUploadBytes, 4 * 1024 ** 3);
    assert.equal(c.maxConcurrentUploads, 4);
    assert.equal(c.dpBudgetEpsilon, 10);
    assert.equal(c.inferenceAddress, '127.0.0.1:50052');
    assert.equal(c.registryAddress, '127.0.0.1:50051');
    assert.equal(c.databasePath, '/tmp/x/ingestion/ingestion.db');
  });

  it('refuses a bad value naming the variable', () => {
    assert.throws(() => loadIngestionConfig({ L1G1_INGESTION_MAX_UPLOAD_BYTES: 'lots' }), /L1G1_INGESTION_MAX_UPLOAD_BYTES/);
    assert.throws(() => loadIngestionConfig({ L1G1_INGESTION_DP_BUDGET: '-1' }), /L1G1_INGESTION_DP_BUDGET/);
    assert.throws(() => loadIngestionConfig({ L1G1_INGESTION_ADDR: 'nowhere' }), /L1G1_INGESTION_ADDR/);
  });
});
