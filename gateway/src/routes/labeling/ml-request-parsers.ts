/**
 * `/v1` bodies of the model-fed labeling calls (pre-labels, label issues)
 * into requests; shapes and ranges are checked here so a malformed request
 * is a 400 naming the field before any upstream call.
 */
import { common, labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { intParam, objectBody, onlyFields, optionalString } from '../common';
import { parsePrecision } from '../../rest-json';
import { modelRef } from '../ingestion/request-parsers';
import { parseEnum } from '../ingestion/enum-names';
import { page, type Query } from '../ingestion/request-parsers';

/** Tasks one FindLabelIssues body may carry (the service's own bound). */
const MAX_PROBABILITIES = 100_000;

function bool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw errors.invalidArgument(field, 'must be true or false');
  return value;
}

export function createPrelabelsRequest(projectId: string, body: unknown): labeling.CreatePrelabelsRequest {
  const b = onlyFields(objectBody(body), ['model', 'precision', 'class_names', 'include_annotated', 'overwrite', 'batch_size']);
  if (b['model'] === undefined) throw errors.invalidArgument('model', 'is required: {name, version | alias}');
  const names = b['class_names'] ?? [];
  if (!Array.isArray(names) || names.length > 1000) throw errors.invalidArgument('class_names', 'must be an array of at most 1000 class names');
  return {
    projectId,
    model: modelRef(b['model'], 'model'),
    precision: b['precision'] === undefined ? common.Precision.PRECISION_UNSPECIFIED : parsePrecision(b['precision']),
    classNames: names.map((n, i) => optionalString(n, `class_names[${i}]`) ?? ''),
    includeAnnotated: bool(b['include_annotated'], 'include_annotated'),
    overwrite: bool(b['overwrite'], 'overwrite'),
    batchSize: intParam(b['batch_size'], 'batch_size', { fallback: 0, max: 256 }),
  };
}

export function findLabelIssuesRequest(projectId: string, body: unknown): labeling.FindLabelIssuesRequest {
  const b = onlyFields(objectBody(body ?? {}), ['probabilities', 'dry_run']);
  const given = b['probabilities'] ?? [];
  if (!Array.isArray(given) || given.length > MAX_PROBABILITIES) throw errors.invalidArgument('probabilities', `must be an array of at most ${MAX_PROBABILITIES} {task_id, class_scores}`);
  return {
    projectId,
    probabilities: given.map((g, i) => {
      const o = onlyFields(objectBody(g, `probabilities[${i}]`), ['task_id', 'class_scores']);
      const scores = objectBody(o['class_scores'], `probabilities[${i}].class_scores`);
      const classScores: Record<string, number> = {};
      for (const [k, v] of Object.entries(scores)) {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw errors.invalidArgument(`probabilities[${i}].class_scores`, `the probability of "${k.slice(0, 40)}" must be a number`);
        classScores[k] = v;
      }
      return { taskId: optionalString(o['task_id'], `probabilities[${i}].task_id`) ?? '', classScores };
    }),
    dryRun: bool(b['dry_run'], 'dry_run'),
  };
}

export function listJobsRequest(projectId: string, q: Query): labeling.ListJobsRequest {
  return {
    projectId,
    page: page(q),
    kind: parseEnum(labeling.LabelingJobKind, 'LABELING_JOB_KIND_', q['kind'], 'kind'),
    state: parseEnum(common.JobState, 'JOB_STATE_', q['state'], 'state'),
  };
}
