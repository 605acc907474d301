/**
 * A classification run's figures from true labels and probability rows: the
 * ClassificationMetrics message and the flat metric map gates refer to.
 */
import { evaluator } from '@l1g1/contracts';
import { accuracy, calibration, confusionMatrix, logLoss, oneVsRestRocAuc, prAuc, precisionRecallF1, rocAuc, topClass } from '../../metrics';

export interface ClassificationReport {
  classification: evaluator.ClassificationMetrics;
  /**
   * accuracy, macro_f1, weighted_f1, micro_f1, macro_precision,
   * macro_recall, auc, pr_auc, ece, log_loss, and precision/<class>,
   * recall/<class>, f1/<class> (auc and pr_auc only when defined).
   */
  metrics: Record<string, number>;
  /** Predicted class index per record. */
  predicted: number[];
}

export function classificationReport(
  yTrue: readonly number[],
  probabilities: readonly (readonly number[])[],
  options: { classNames: readonly string[]; positiveClass: number; calibrationBins: number },
): ClassificationReport {
  const k = options.classNames.length;
  const predicted = probabilities.map((row) => topClass(row).index);
  const prf = precisionRecallF1(yTrue, predicted, k);
  const perClassAuc = oneVsRestRocAuc(yTrue, probabilities, k);
  const auc = rocAuc(yTrue, probabilities, k, options.positiveClass);
  const pr = prAuc(yTrue, probabilities, k, options.positiveClass);
  const cal = calibration(yTrue, probabilities, options.calibrationBins);
  const loss = yTrue.length > 0 ? logLoss(yTrue, probabilities) : undefined;
  const acc = accuracy(yTrue, predicted);
  const classification = evaluator.ClassificationMetrics.fromPartial({
    accuracy: acc,
    macroF1: prf.macro.f1,
    weightedF1: prf.weighted.f1,
    microF1: prf.micro.f1,
    perClass: prf.perClass.map((s, c) => ({
      label: options.classNames[c] as string,
      precision: s.precision,
      recall: s.recall,
      f1: s.f1,
      support: s.support,
      ...(perClassAuc[c] !== undefined ? { auc: perClassAuc[c] } : {}),
    })),
    confusionMatrix: { labels: [...options.classNames], counts: confusionMatrix(yTrue, predicted, k).flat() },
    ...(auc !== undefined ? { auc } : {}),
    ...(yTrue.length > 0 ? { ece: cal.ece } : {}),
    calibration: cal.bins.map((b) => ({ lower: b.lower, upper: b.upper, count: b.count, meanConfidence: b.meanConfidence, accuracy: b.accuracy })),
    ...(loss !== undefined ? { logLoss: loss } : {}),
  });
  const metrics: Record<string, number> = {
    accuracy: acc,
    macro_f1: prf.macro.f1,
    weighted_f1: prf.weighted.f1,
    micro_f1: prf.micro.f1,
    macro_precision: prf.macro.precision,
    macro_recall: prf.macro.recall,
  };
  if (auc !== undefined) metrics['auc'] = auc;
  if (pr !== undefined) metrics['pr_auc'] = pr;
  if (yTrue.length > 0) metrics['ece'] = cal.ece;
  if (loss !== undefined) metrics['log_loss'] = loss;
  prf.perClass.forEach((s, c) => {
    const name = options.classNames[c] as string;
    metrics[`precision/${name}`] = s.precision;
    metrics[`recall/${name}`] = s.recall;
    metrics[`f1/${name}`] = s.f1;
  });
  return { classification, metrics, predicted };
}

/**
 * Rows that are not a probability distribution (a model ending in logits)
 * are turned into one by softmax, so AUC, ECE and log loss read
 * probabilities whatever the model's last layer.
 */
export function asProbabilities(row: number[]): number[] {
  const sum = row.reduce((a, b) => a + b, 0);
  if (row.every((p) => p >= 0 && p <= 1) && Math.abs(sum - 1) < 1e-3) return row;
  const max = Math.max(...row);
  const exps = row.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
