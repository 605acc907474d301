/**
 * Pairs two stored runs' per-record predictions by record id, as label
 * indices over one class list, for `comparePaired`. Records on one side only
 * are left out (both runs read the same split of the same snapshot, so there
 * are none unless a record's label was skipped on one side).
 */
import { evaluator } from '@l1g1/contracts';
import { errors, type JsonValue } from '@l1g1/kit';
import type { EvaluationRow } from '../domain/evaluations/evaluation-store';

export interface PairedPredictions {
  labels: string[];
  truth: number[];
  baseline: number[];
  candidate: number[];
}

interface StoredPrediction {
  recordId: string;
  trueLabel: string;
  predictedLabel: string;
}

function predictionsOf(row: EvaluationRow): StoredPrediction[] {
  if (!Array.isArray(row.predictions)) throw errors.internal(`run ${row.runId} kept no predictions`);
  return (row.predictions as JsonValue[]).map((p) => {
    const r = evaluator.RecordPrediction.fromJSON(p);
    return { recordId: r.recordId, trueLabel: r.trueLabel, predictedLabel: r.predictedLabel };
  });
}

/** The class list in the baseline run's order (its confusion matrix), then any label seen only in predictions. */
function classOrder(row: EvaluationRow): string[] {
  if (row.classification === null) return [];
  return evaluator.ClassificationMetrics.fromJSON(row.classification).confusionMatrix?.labels ?? [];
}

export function pairPredictions(baselineRun: EvaluationRow, candidateRun: EvaluationRow): PairedPredictions {
  const labels = classOrder(baselineRun);
  const index = new Map(labels.map((l, i) => [l, i]));
  const idOf = (label: string): number => {
    let i = index.get(label);
    if (i === undefined) {
      i = labels.length;
      labels.push(label);
      index.set(label, i);
    }
    return i;
  };
  const cand = new Map(predictionsOf(candidateRun).map((p) => [p.recordId, p]));
  const out: PairedPredictions = { labels, truth: [], baseline: [], candidate: [] };
  for (const b of predictionsOf(baselineRun)) {
    const c = cand.get(b.recordId);
    if (!c) continue;
    out.truth.push(idOf(b.trueLabel));
    out.baseline.push(idOf(b.predictedLabel));
    out.candidate.push(idOf(c.predictedLabel));
  }
  return out;
}
