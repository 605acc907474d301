/**
 * The upload report counts each PII find once. A JSONL record keeps its text
 * both as `data` and as the structured field it came from, and one e-mail
 * address in one record was reported as 2 (then 3) EMAIL redactions.
 */
import { strict as assert } from 'node:assert';
import { ingestion } from '@l1g1/contracts';
import { ingest, ingestHeader } from './support/ingest-client';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

describe('ingestion service: PII redaction counts', () => {
  let svc: TestIngestion;
  before(async () => {
    svc = await startTestIngestion();
  });
  after(async () => {
    await svc.close();
  });

  it('one address in one JSONL record is one EMAIL redaction; two distinct ones are two', async function () {
    this.timeout(120_000);
    const out = await ingest(
      svc.client,
      ingestHeader({
        dataset: 'pii-counts',
        formatOptions: { $case: 'jsonl', value: ingestion.JsonlOptions.fromPartial({ dataField: 'text' }) },
        cleaning: ingestion.CleaningOptions.fromPartial({ pii: { kinds: [ingestion.PiiKind.PII_KIND_EMAIL], replacement: '', includeMetadata: false } }),
      }),
      [{ name: 'one.jsonl', bytes: '{"text":"write to carol@example.org please"}\n{"text":"from dan@example.net to erin@example.com"}\n' }],
    );
    assert.ok(out.ok, out.ok ? '' : `${out.error.code} ${out.error.details}`);
    assert.equal(out.result.counts?.rowsRedacted, 2);
    assert.deepEqual(out.result.counts?.redactionsByKind, { EMAIL: 3 });
  });
});
