/**
 * The metric library against reference values computed independently by
 * scikit-learn 1.2 (Debian's python3-sklearn), numpy and a transcription of
 * seqeval (fixtures/make-reference.py; the values are committed in
 * fixtures/metric-reference.json, so these tests never run Python). Every
 * figure must match to 1e-9. Scores carry ties on purpose.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  accuracy,
  calibration,
  confusionMatrix,
  iob2EntityScores,
  logLoss,
  oneVsRestRocAuc,
  perplexityOfTokens,
  prAuc,
  precisionRecallF1,
  rocAuc,
} from '../src/metrics';

interface Scores {
  precision: number;
  recall: number;
  f1: number;
}
interface ClassificationCase {
  name: string;
  class_count: number;
  positive_class: number;
  y_true: number[];
  y_pred: number[];
  probabilities: number[][];
  expected: {
    accuracy: number;
    per_class: (Scores & { support: number })[];
    averages: Record<'macro' | 'micro' | 'weighted', Scores>;
    confusion: number[][];
    roc_auc: number;
    per_class_auc: number[];
    pr_auc: number;
    log_loss: number;
    ece: number;
    calibration: { lower: number; upper: number; count: number; mean_confidence: number; accuracy: number }[];
  };
}
interface Reference {
  classification: ClassificationCase[];
  absent_class: { class_count: number; y_true: number[]; y_pred: number[]; expected: { per_class: (Scores & { support: number })[]; averages: Record<'macro' | 'micro' | 'weighted', Scores> } };
  entities: { true_tags: string[][]; pred_tags: string[][]; expected: Scores & { per_type: (Scores & { type: string; support: number })[] } };
  perplexity: { token_nll: number[]; expected: number };
}

const ref = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'metric-reference.json'), 'utf8')) as Reference;
const TOL = 1e-9;

function close(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined, `${what} is undefined`);
  assert.ok(Math.abs(actual - expected) <= TOL, `${what}: ${actual} vs reference ${expected}`);
}

function closeScores(actual: Scores, expected: Scores, what: string): void {
  close(actual.precision, expected.precision, `${what} precision`);
  close(actual.recall, expected.recall, `${what} recall`);
  close(actual.f1, expected.f1, `${what} f1`);
}

describe('metric library vs scikit-learn reference values (1e-9)', () => {
  for (const c of ref.classification) {
    describe(`classification: ${c.name} (${c.class_count} classes, ${c.y_true.length} records)`, () => {
      it('accuracy and the confusion matrix', () => {
        close(accuracy(c.y_true, c.y_pred), c.expected.accuracy, 'accuracy');
        assert.deepEqual(confusionMatrix(c.y_true, c.y_pred, c.class_count), c.expected.confusion);
      });
      it('precision, recall, F1 per class and macro / micro / weighted (zero_division=0)', () => {
        const got = precisionRecallF1(c.y_true, c.y_pred, c.class_count);
        c.expected.per_class.forEach((e, k) => {
          closeScores(got.perClass[k] as Scores, e, `class ${k}`);
          assert.equal(got.perClass[k]?.support, e.support);
        });
        for (const avg of ['macro', 'micro', 'weighted'] as const) closeScores(got[avg], c.expected.averages[avg], avg);
      });
      it('ROC-AUC (binary on the positive class, else one-vs-rest macro) and per-class AUC', () => {
        close(rocAuc(c.y_true, c.probabilities, c.class_count, c.positive_class), c.expected.roc_auc, 'roc_auc');
        oneVsRestRocAuc(c.y_true, c.probabilities, c.class_count).forEach((a, k) => close(a, c.expected.per_class_auc[k] as number, `auc of class ${k}`));
      });
      it('PR-AUC as average_precision_score', () => {
        close(prAuc(c.y_true, c.probabilities, c.class_count, c.positive_class), c.expected.pr_auc, 'pr_auc');
      });
      it('log loss', () => {
        close(logLoss(c.y_true, c.probabilities), c.expected.log_loss, 'log_loss');
      });
      it('expected calibration error and its 15 bins', () => {
        const got = calibration(c.y_true, c.probabilities, 15);
        close(got.ece, c.expected.ece, 'ece');
        c.expected.calibration.forEach((b, i) => {
          const g = got.bins[i];
          assert.equal(g?.count, b.count, `bin ${i} count`);
          close(g?.meanConfidence, b.mean_confidence, `bin ${i} confidence`);
          close(g?.accuracy, b.accuracy, `bin ${i} accuracy`);
          close(g?.lower, b.lower, `bin ${i} lower`);
        });
      });
    });
  }

  it('a class absent from both lists counts at 0 in the macro average (labels = every class)', () => {
    const c = ref.absent_class;
    const got = precisionRecallF1(c.y_true, c.y_pred, c.class_count);
    c.expected.per_class.forEach((e, k) => closeScores(got.perClass[k] as Scores, e, `class ${k}`));
    for (const avg of ['macro', 'micro', 'weighted'] as const) closeScores(got[avg], c.expected.averages[avg], avg);
  });

  it('entity-level F1 over IOB2 tags, CoNLL / seqeval default rules (stray I- tags included)', () => {
    const e = ref.entities;
    const got = iob2EntityScores(e.true_tags, e.pred_tags);
    closeScores(got, e.expected, 'micro');
    assert.deepEqual(got.perType.map((t) => t.type), e.expected.per_type.map((t) => t.type));
    e.expected.per_type.forEach((t, i) => {
      closeScores(got.perType[i] as Scores, t, t.type);
      assert.equal(got.perType[i]?.support, t.support);
    });
  });

  it('perplexity = exp(mean token NLL)', () => {
    close(perplexityOfTokens(ref.perplexity.token_nll), ref.perplexity.expected, 'perplexity');
  });
});
