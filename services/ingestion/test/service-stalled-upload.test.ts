/**
 * A client that sends part of an upload and then nothing, without ending or
 * cancelling the call, must not hold an upload slot and a spool folder for
 * ever: the service drops it after L1G1_INGESTION_UPLOAD_IDLE_MS. Before the
 * fix such calls waited for the client's own deadline (10 minutes through the
 * gateway, never without one), and as many of them as there are slots refused
 * every later upload with RESOURCE_EXHAUSTED.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { status, type ServiceError } from '@grpc/grpc-js';
import { ingestion } from '@l1g1/contracts';
import { ingest, ingestHeader } from './support/ingest-client';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

describe('ingestion service: a stalled upload', () => {
  let svc: TestIngestion;
  before(async () => {
    // One slot: a stalled upload that kept it would refuse the next one.
    svc = await startTestIngestion({ env: { L1G1_INGESTION_MAX_CONCURRENT_UPLOADS: '1', L1G1_INGESTION_UPLOAD_IDLE_MS: '300' } });
  });
  after(async () => {
    await svc.close();
  });

  it('is dropped with CANCELLED (UPLOAD_IDLE), leaves no spool folder, and frees its slot', async function () {
    this.timeout(120_000);
    const stalled = new Promise<ServiceError | undefined>((resolve) => {
      const call = svc.client.ingest((err) => resolve(err ?? undefined));
      call.write({ payload: { $case: 'header', value: ingestHeader({ dataset: 'stalled' }) } });
      call.write({ payload: { $case: 'file', value: ingestion.FileStart.fromPartial({ name: 'half.jsonl' }) } });
      call.write({ payload: { $case: 'chunk', value: Buffer.from('{"text":"first"}\n{"text":"sec') } });
      // ... and nothing more: no end, no cancel.
    });
    const err = await stalled;
    assert.ok(err, 'the stalled upload must be answered');
    assert.equal(err.code, status.CANCELLED);
    assert.match(err.details, /sent nothing for 300 ms; nothing was kept/);
    assert.deepEqual(readdirSync(svc.config.spoolDir), []);
    assert.equal(await svc.deps.store.getDataset('stalled'), undefined);
    const next = await ingest(svc.client, ingestHeader({ dataset: 'after-stall' }), [{ name: 'a.txt', bytes: 'accepted once the stalled upload is gone' }]);
    assert.ok(next.ok, next.ok ? '' : `refused: ${next.error.code} ${next.error.details}`);
  });
});
