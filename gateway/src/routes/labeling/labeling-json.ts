/**
 * The `/v1` JSON of the labeling messages (snake_case, lowercase enums,
 * RFC 3339 times), one mapper per message like rest-json.ts. A record's
 * bytes go out as `text` when they are text (what the page shows and
 * annotators select in, so span offsets are UTF-16 offsets into exactly this
 * string) and as `data_base64` otherwise (images).
 */
import { common, labeling } from '@l1g1/contracts';
import { enumName } from '../ingestion/enum-names';
import { jobStatusJson, modelRefJson } from '../trainer/trainer-json';
import { labelIssueJson, prelabelJobFields } from './ml-json';

const L = labeling;
const timestamp = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export const taskTypeName = (t: labeling.TaskType): string => enumName(L.TaskType, 'TASK_TYPE_', t);

export function projectJson(p: labeling.Project) {
  const c = p.labelConfig;
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    instructions: p.instructions,
    label_config: {
      task_type: taskTypeName(c?.taskType ?? 0),
      classes: (c?.classes ?? []).map((k) => ({ name: k.name, index: k.index, description: k.description, color: k.color })),
      annotations_per_task: c?.annotationsPerTask ?? 0,
      overlap_fraction: c?.overlapFraction ?? null,
      reservation_s: c?.reservationS ?? 0,
      active_learning_strategy: enumName(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_', c?.activeLearningStrategy ?? 0),
    },
    tags: p.tags,
    task_count: p.taskCount,
    completed_task_count: p.completedTaskCount,
    annotation_count: p.annotationCount,
    created_at: timestamp(p.createdAt),
    updated_at: timestamp(p.updatedAt),
    created_by: p.createdBy,
  };
}

export function listProjectsJson(r: labeling.ListProjectsResponse) {
  return { projects: r.projects.map(projectJson), next_page_token: r.page?.nextPageToken ?? '', total_size: r.page?.totalSize ?? 0 };
}

export function valueJson(v: labeling.AnnotationValue | undefined) {
  const c = v?.value;
  switch (c?.$case) {
    case 'classification':
      return { classification: { labels: c.value.labels } };
    case 'ner':
      return { ner: { spans: c.value.spans.map((s) => ({ start: s.start, end: s.end, label: s.label, text: s.text })) } };
    case 'bbox':
      return { bbox: { boxes: c.value.boxes.map((b) => ({ label: b.label, x: b.x, y: b.y, width: b.width, height: b.height })) } };
    case 'segmentation':
      return { segmentation: { polygons: c.value.polygons.map((g) => ({ label: g.label, points: g.points.map((pt) => ({ x: pt.x, y: pt.y })) })) } };
    case 'freeText':
      return { free_text: { text: c.value.text } };
    default:
      return null;
  }
}

function isText(contentType: string): boolean {
  return contentType === '' || contentType.startsWith('text/') || contentType === 'application/json';
}

export function recordJson(r: common.Record | undefined) {
  if (!r) return null;
  const data = Buffer.from(r.data);
  const body = isText(r.contentType) ? { text: data.toString('utf8') } : { data_base64: data.toString('base64') };
  return { id: r.id, content_type: r.contentType, metadata: r.metadata, ...body };
}

function predictionJson(p: labeling.Prediction | undefined) {
  if (!p) return null;
  return { model: modelRefJson(p.model), value: valueJson(p.value), class_scores: p.classScores, score: p.score, created_at: timestamp(p.createdAt), source: p.source };
}

export function taskJson(t: labeling.Task) {
  return {
    id: t.id,
    project_id: t.projectId,
    record: recordJson(t.record),
    source: t.source ? { dataset: t.source.name, snapshot: t.source.snapshot } : null,
    state: enumName(L.TaskState, 'TASK_STATE_', t.state),
    annotations_required: t.annotationsRequired,
    annotation_count: t.annotationCount,
    prediction: predictionJson(t.prediction),
    reserved_by: t.reservedBy,
    reserved_until: timestamp(t.reservedUntil),
    created_at: timestamp(t.createdAt),
    image_width: t.imageWidth,
    image_height: t.imageHeight,
  };
}

export function listTasksJson(r: labeling.ListTasksResponse) {
  return { tasks: r.tasks.map(taskJson), next_page_token: r.page?.nextPageToken ?? '', total_size: r.page?.totalSize ?? 0 };
}

export function nextTaskJson(r: labeling.NextTaskResponse) {
  return {
    task: r.task ? taskJson(r.task) : null,
    score: r.score,
    strategy: enumName(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_', r.strategy),
    remaining: r.remaining,
  };
}

export function annotationJson(a: labeling.Annotation) {
  return {
    id: a.id,
    task_id: a.taskId,
    project_id: a.projectId,
    annotator: a.annotator,
    value: valueJson(a.value),
    lead_time_ms: a.leadTimeMs,
    skipped: a.skipped,
    prelabel_model: a.prelabelModel ? modelRefJson(a.prelabelModel) : null,
    prelabel_accepted_unchanged: a.prelabelAcceptedUnchanged,
    gold: a.gold,
    created_at: timestamp(a.createdAt),
    updated_at: timestamp(a.updatedAt),
    history: a.history.map((h) => ({ value: valueJson(h.value), lead_time_ms: h.leadTimeMs, skipped: h.skipped, created_at: timestamp(h.createdAt) })),
  };
}

export function listAnnotationsJson(r: labeling.ListAnnotationsResponse) {
  return { annotations: r.annotations.map(annotationJson), next_page_token: r.page?.nextPageToken ?? '', total_size: r.page?.totalSize ?? 0 };
}

export function importJson(r: labeling.ImportTasksResponse) {
  return { imported: r.imported, skipped_existing: r.skippedExisting, snapshot: r.snapshot ? { dataset: r.snapshot.name, snapshot: r.snapshot.snapshot } : null };
}

export function agreementJson(r: labeling.AgreementReport) {
  return {
    project_id: r.projectId,
    metric: enumName(L.AgreementMetric, 'AGREEMENT_METRIC_', r.metric),
    kappa: r.kappa,
    observed_agreement: r.observedAgreement,
    tasks_compared: r.tasksCompared,
    units_compared: r.unitsCompared,
    per_label: r.perLabel.map((l) => ({ label: l.label, kappa: l.kappa, support: l.support })),
    pairs: r.pairs.map((p) => ({
      annotator_a: p.annotatorA,
      annotator_b: p.annotatorB,
      kappa: p.kappa,
      observed_agreement: p.observedAgreement,
      shared_tasks: p.sharedTasks,
      precision: p.precision,
      recall: p.recall,
      mean_iou: p.meanIou,
    })),
    computed_at: timestamp(r.computedAt),
    mean_iou: r.meanIou,
    iou_threshold: r.iouThreshold,
  };
}

export function reviewQueueJson(r: labeling.ListReviewQueueResponse) {
  return {
    items: r.items.map((i) => ({
      task_id: i.taskId,
      consensus: valueJson(i.consensus),
      agreement: i.agreement,
      annotations: i.annotations,
      distinct_values: i.distinctValues,
      reason: enumName(L.ReviewReason, 'REVIEW_REASON_', i.reason),
      label_issue: labelIssueJson(i.labelIssue),
    })),
    next_page_token: r.page?.nextPageToken ?? '',
    total_size: r.page?.totalSize ?? 0,
  };
}

export function labelingJobJson(j: labeling.LabelingJob) {
  const result = j.result?.$case === 'exportResult' ? j.result.value : undefined;
  return {
    ...jobStatusJson(j.status),
    job_kind: enumName(L.LabelingJobKind, 'LABELING_JOB_KIND_', j.kind),
    project_id: j.projectId,
    created_by: j.createdBy,
    ...prelabelJobFields(j),
    export_result: result
      ? { snapshot: result.snapshot ? { dataset: result.snapshot.name, snapshot: result.snapshot.snapshot } : null, records: result.records, label_counts: result.labelCounts }
      : null,
  };
}
