import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import {
  applyConfidencePlan,
  CONFIDENCE_DEFAULTS,
  planConfidenceFilter,
  scoreRecords,
  validateConfidenceOptions,
  type ConfidenceOptions,
  type ReviewCandidate,
  type Scorer,
} from '../src/domain/confidence';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';
import { collectAll, streamOf, textStored } from './analytics-support';

// The domain's scorer port answered from a table (text -> probabilities); the
// same filter runs against the real inference service in analytics-service.test.ts.
function tableScorer(table: Record<string, number[]>): Scorer & { calls: number } {
  const scorer = {
    calls: 0,
    score(records: StoredRecord[]): Promise<number[][]> {
      scorer.calls += 1;
      return Promise.resolve(records.map((r) => table[Buffer.from(r.data).toString('utf8')] ?? [0.5, 0.5]));
    },
  };
  return scorer;
}

const options = (o: Partial<ConfidenceOptions> = {}): ConfidenceOptions => ({
  classNames: ['ham', 'spam'],
  labelField: 'label',
  mode: 'global',
  threshold: CONFIDENCE_DEFAULTS.threshold,
  classThresholds: new Map(),
  rounds: 1,
  dropDisagreements: false,
  batchSize: 2,
  maxRecords: 1000,
  ...o,
});

async function run(records: StoredRecord[], scorer: Scorer, o: ConfidenceOptions) {
  const scored = await scoreRecords(streamOf(records), scorer, o);
  const plan = planConfidenceFilter(scored, o);
  const review: ReviewCandidate[] = [];
  const kept = await collectAll(applyConfidencePlan(streamOf(records), plan, async (c) => { review.push(c); }));
  return { plan, kept, review };
}

describe('confidence filter: thresholds, rounds and the review queue', () => {
  const table = {
    'sure ham': [0.95, 0.05],
    'fair ham': [0.85, 0.15],
    'weak ham': [0.6, 0.4],
    'sure spam': [0.1, 0.9],
    'hard spam': [0.3, 0.7],
    'mislabelled spam': [0.9, 0.1],
  };
  const records = [
    textStored('1', 'sure ham', { label: 'ham' }),
    textStored('2', 'fair ham', { label: 'ham' }),
    textStored('3', 'weak ham', { label: 'ham' }),
    textStored('4', 'sure spam', { label: 'spam' }),
    textStored('5', 'hard spam', { label: 'spam' }),
    textStored('6', 'mislabelled spam', { label: 'spam' }),
    textStored('7', 'sure spam', {}),
  ];

  it('GLOBAL keeps records whose given label scores >= 0.8 and sends the rest to review with their scores', async () => {
    const { plan, kept, review } = await run(records, tableScorer(table), options());
    assert.deepEqual(kept.map((r) => r.id), ['1', '2', '4', '7']);
    assert.equal(kept[0]?.metadata['confidence'], '0.95');
    assert.equal(kept[0]?.metadata['predicted_label'], 'ham');
    assert.equal(kept[3]?.metadata['predicted_label'], 'spam', 'an unlabelled record is kept with its prediction');
    assert.deepEqual(review.map((c) => [c.record.id, c.decision.reason, c.decision.confidence, c.decision.threshold, c.decision.predictedLabel]), [
      ['3', 'low_confidence', 0.6, 0.8, 'ham'],
      ['5', 'low_confidence', 0.7, 0.8, 'spam'],
      ['6', 'low_confidence', 0.1, 0.8, 'ham'],
    ]);
    assert.equal(plan.unlabelled, 1);
    assert.deepEqual([...plan.sentToReviewByClass], [['ham', 1], ['spam', 2]]);
  });

  it('PER_CLASS uses a class threshold and falls back to the global one', async () => {
    const { kept } = await run(records, tableScorer(table), options({ mode: 'per_class', classThresholds: new Map([['spam', 0.65]]) }));
    assert.deepEqual(kept.map((r) => r.id), ['1', '2', '4', '5', '7']);
  });

  it('CONFIDENT_LEARNING sets each class threshold to its mean self-confidence, and further rounds recompute it over the kept set', async () => {
    const once = await run(records, tableScorer(table), options({ mode: 'confident_learning' }));
    // ham: (0.95 + 0.85 + 0.6) / 3 = 0.8; spam: (0.9 + 0.7 + 0.1) / 3 ≈ 0.567
    assert.ok(Math.abs((once.plan.thresholds.get('ham') ?? 0) - 0.8) < 1e-12);
    assert.ok(Math.abs((once.plan.thresholds.get('spam') ?? 0) - 1.7 / 3) < 1e-12);
    assert.deepEqual(once.kept.map((r) => r.id), ['1', '2', '4', '5', '7']);

    const scorer = tableScorer(table);
    const twice = await run(records, scorer, options({ mode: 'confident_learning', rounds: 3 }));
    // round 2: ham over {1, 2} = 0.9 drops 2; spam over {4, 5} = 0.8 drops 5; round 3: ham over {1} = 0.95, spam {4} = 0.9, nothing more.
    assert.deepEqual(twice.kept.map((r) => r.id), ['1', '4', '7']);
    assert.equal(twice.plan.roundsRun, 3);
    assert.equal(scorer.calls, 4, 'seven records in batches of two are scored once, not once per round');
  });

  it('drop_disagreements sends a confident record whose prediction differs from its label to review', async () => {
    const disagree = [textStored('a', 'x', { label: 'ham' })];
    const scorer = tableScorer({ x: [0.81, 0.82] });
    const plain = await run(disagree, scorer, options());
    assert.equal(plain.kept.length, 1);
    const strict = await run(disagree, scorer, options({ dropDisagreements: true }));
    assert.equal(strict.kept.length, 0);
    assert.equal(strict.review[0]?.decision.reason, 'label_disagreement');
    assert.equal(strict.review[0]?.decision.predictedLabel, 'spam');
  });

  it('refuses a model answer of the wrong shape, and bad options naming the field', async () => {
    const err = await scoreRecords(streamOf(records), tableScorer({ 'sure ham': [1, 0, 0] }), options()).catch((e: unknown) => e);
    assert.ok(err instanceof L1g1Error);
    assert.equal(err.reason, 'MODEL_OUTPUT_MISMATCH');
    const fields: [Partial<ConfidenceOptions>, string][] = [
      [{ threshold: 1.5 }, 'threshold'],
      [{ classNames: ['only'] }, 'class_names'],
      [{ rounds: 0 }, 'rounds'],
      [{ batchSize: 0 }, 'batch_size'],
      [{ classThresholds: new Map([['eggs', 0.5]]) }, 'class_thresholds[eggs]'],
    ];
    for (const [o, field] of fields) {
      assert.throws(() => validateConfidenceOptions(options(o)), (e: unknown) => e instanceof L1g1Error && e.field === field, field);
    }
  });
});
