import { strict as assert } from 'node:assert';
import { status, type ServiceError } from '@grpc/grpc-js';
import { ingestion } from '@l1g1/contracts';
import { textStored, streamOf } from './analytics-support';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

function unary<Res>(invoke: (cb: (err: ServiceError | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke((err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err && typeof err === 'object' && 'code' in err, `expected a gRPC error, got ${String(err)}`);
  return err as ServiceError;
}

const publishInput = (dataset: string) => ({
  dataset,
  origin: 'upload',
  jobId: 'test',
  parents: [],
  description: '',
  tags: {},
  createdBy: 'tests',
  counts: {},
  cleaning: {},
  cleaningReport: {},
  uploadReport: {},
  sources: [],
});

describe('analytics over gRPC: review queue and DP statistics', () => {
  let svc: TestIngestion;
  const dp = (req: ingestion.ComputeDpStatisticsRequest) => unary<ingestion.ComputeDpStatisticsResponse>((cb) => svc.client.computeDpStatistics(req, cb));
  const query = (o: Partial<ingestion.DpQuery>): ingestion.DpQuery => ({
    name: 'n', aggregate: ingestion.DpAggregate.DP_AGGREGATE_COUNT, field: '', lowerBound: 0, upperBound: 0, epsilon: 1, filter: undefined, groupBy: '', groups: [], ...o,
  });

  before(async () => {
    svc = await startTestIngestion({ env: { L1G1_INGESTION_DP_BUDGET: '2' } });
    const people = Array.from({ length: 40 }, (_, i) => textStored(`p${String(i).padStart(2, '0')}`, `person ${i}`, { age: String(20 + i), city: i % 4 === 0 ? 'rome' : 'paris' }));
    await svc.deps.publisher.publish(publishInput('people'), streamOf(people));
    const base = {
      dataset: 'people', version: 1, givenLabel: 'spam', predictedLabel: 'ham', confidence: 0.2, threshold: 0.8,
      model: { name: 'clf', version: 2, alias: '' }, jobId: 'job-a', createdAtMs: 0,
    };
    await svc.deps.store.insertReviewItems(
      ['i1', 'i2', 'i3'].map((id, k) => ({ ...base, id, reason: k === 2 ? ('label_disagreement' as const) : ('low_confidence' as const), record: textStored(id, `text ${id}`, { label: 'spam' }) })),
      1,
    );
  });
  after(async () => {
    await svc.close();
  });

  it('lists pending review items with their scores, pages them, and filters by reason', async () => {
    const list = (req: Partial<ingestion.ListReviewQueueRequest>) =>
      unary<ingestion.ListReviewQueueResponse>((cb) =>
        svc.client.listReviewQueue({ dataset: 'people', state: 0, reason: 0, jobId: '', page: { pageSize: 2, pageToken: '' }, ...req }, cb),
      );
    const first = await list({});
    assert.deepEqual(first.items.map((i) => i.id), ['i1', 'i2']);
    assert.equal(first.items[0]?.confidence, 0.2);
    assert.equal(first.items[0]?.threshold, 0.8);
    assert.equal(first.items[0]?.predictedLabel, 'ham');
    assert.equal(Buffer.from(first.items[0]?.record?.data ?? []).toString(), 'text i1');
    const second = await list({ page: { pageSize: 2, pageToken: first.page?.nextPageToken ?? '' } });
    assert.deepEqual(second.items.map((i) => i.id), ['i3']);
    assert.equal(second.page?.nextPageToken, '');
    const disagreements = await list({ reason: ingestion.ReviewReason.REVIEW_REASON_LABEL_DISAGREEMENT });
    assert.deepEqual(disagreements.items.map((i) => i.id), ['i3']);
  });

  it('resolves an item once (RELABEL with its new label) and answers FAILED_PRECONDITION to a second resolution', async () => {
    const resolve = (req: Partial<ingestion.ResolveReviewItemRequest>) =>
      unary<ingestion.ReviewItem>((cb) => svc.client.resolveReviewItem({ itemId: 'i2', decision: 0, newLabel: '', note: '', ...req }, cb));
    const noLabel = await failure(resolve({ decision: ingestion.ReviewDecision.REVIEW_DECISION_RELABEL }));
    assert.equal(noLabel.code, status.INVALID_ARGUMENT);
    assert.match(noLabel.details, /new_label/);
    const done = await resolve({ decision: ingestion.ReviewDecision.REVIEW_DECISION_RELABEL, newLabel: 'ham' });
    assert.equal(done.state, ingestion.ReviewState.REVIEW_STATE_RESOLVED);
    assert.equal(done.newLabel, 'ham');
    assert.ok(done.resolvedAt instanceof Date);
    const again = await failure(resolve({ decision: ingestion.ReviewDecision.REVIEW_DECISION_DISCARD }));
    assert.equal(again.code, status.FAILED_PRECONDITION);
    const missing = await failure(resolve({ itemId: 'nope', decision: ingestion.ReviewDecision.REVIEW_DECISION_KEEP }));
    assert.equal(missing.code, status.NOT_FOUND);
  });

  it('answers DP statistics over the snapshot and refuses once the dataset budget is spent, naming what remains', async () => {
    const out = await dp({ snapshot: { name: 'people', snapshot: 0 }, queries: [query({ name: 'rome', epsilon: 1.5, filter: { metadataEquals: { city: 'rome' }, metadataPresent: [], contentTypePrefix: '', minTimestampUs: 0, maxTimestampUs: 0 } })] });
    assert.equal(out.results[0]?.name, 'rome');
    assert.equal(out.results[0]?.values[0]?.noiseScale, 1 / 1.5);
    assert.ok(Number.isFinite(out.results[0]?.values[0]?.value));
    assert.equal(out.epsilonSpent, 1.5);
    assert.equal(out.budgetRemaining, 0.5);

    const refused = await failure(dp({ snapshot: { name: 'people', snapshot: 1 }, queries: [query({ epsilon: 1 })] }));
    assert.equal(refused.code, status.FAILED_PRECONDITION);
    assert.match(refused.details, /remaining epsilon 0\.5/);
    assert.equal((await svc.deps.store.listPrivacyLedger('people')).length, 1);

    const bad = await failure(dp({ snapshot: { name: 'people', snapshot: 1 }, queries: [query({ epsilon: -1 })] }));
    assert.equal(bad.code, status.INVALID_ARGUMENT);
    assert.match(bad.details, /queries\[0\]\.epsilon/);
    const unknown = await failure(dp({ snapshot: { name: 'ghosts', snapshot: 0 }, queries: [query({})] }));
    assert.equal(unknown.code, status.NOT_FOUND);
  });
});
