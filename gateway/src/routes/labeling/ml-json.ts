/** `/v1` JSON of the model-fed labeling messages (label issues, the pre-label job's request and result). */
import type { labeling } from '@l1g1/contracts';
import { modelRefJson } from '../trainer/trainer-json';

export function labelIssueJson(i: labeling.LabelIssue | undefined) {
  if (!i) return null;
  return {
    task_id: i.taskId,
    given_label: i.givenLabel,
    suggested_label: i.suggestedLabel,
    given_probability: i.givenProbability,
    suggested_probability: i.suggestedProbability,
    suggested_threshold: i.suggestedThreshold,
    model: modelRefJson(i.model),
    found_at: i.foundAt ? i.foundAt.toISOString() : null,
  };
}

export function findLabelIssuesJson(r: labeling.FindLabelIssuesResponse) {
  return { issues: r.issues.map(labelIssueJson), thresholds: r.thresholds, tasks_checked: r.tasksChecked, sent_to_review: r.sentToReview };
}

/** The pre-label fields of a LabelingJob (merged into labelingJobJson). */
export function prelabelJobFields(j: labeling.LabelingJob) {
  const asked = j.request?.$case === 'prelabelRequest' ? j.request.value : undefined;
  const result = j.result?.$case === 'prelabelResult' ? j.result.value : undefined;
  return {
    prelabel_model: asked ? modelRefJson(asked.model) : null,
    prelabel_result: result ? { predicted: result.predicted, skipped: result.skipped, failed: result.failed, model: modelRefJson(result.model) } : null,
  };
}
