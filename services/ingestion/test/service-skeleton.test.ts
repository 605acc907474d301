import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
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

  it('serves on a free port and answers a method that has not landed with UNIMPLEMENTED naming it', async () => {
    assert.match(svc.service.address, /^127\.0\.0\.1:\d+$/);
    const err = await new Promise<{ code?: number; details?: string }>((resolve) => {
      svc.client.diffSnapshots({ dataset: 'd', fromVersion: 1, toVersion: 2, includeChanges: false, page: undefined }, (e) => resolve(e ?? {}));
    });
    assert.equal(err.code, status.UNIMPLEMENTED);
    assert.match(String(err.details), /diffSnapshots/);
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
    assert.equal(c.databasePath, '/tmp/x/ingestion/ingestion.db');
  });

  it('refuses a bad value naming the variable', () => {
    assert.throws(() => loadIngestionConfig({ L1G1_INGESTION_MAX_UPLOAD_BYTES: 'lots' }), /L1G1_INGESTION_MAX_UPLOAD_BYTES/);
    assert.throws(() => loadIngestionConfig({ L1G1_INGESTION_DP_BUDGET: '-1' }), /L1G1_INGESTION_DP_BUDGET/);
    assert.throws(() => loadIngestionConfig({ L1G1_INGESTION_ADDR: 'nowhere' }), /L1G1_INGESTION_ADDR/);
  });
});
