/**
 * The OpenAPI entries of the model-fed labeling routes
 * (routes/labeling-ml-routes.ts): pre-label runs, their jobs, label issues.
 */
import { common, labeling } from '@l1g1/contracts';
import { bool, en, err, int32, jsonBody, num, numberMap, obj, ok, p, page, paging, ref, str, timestamp, type Json } from './openapi-helpers';

const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const arr = (items: Json): Json => ({ type: 'array', items });
const idSchema = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', maxLength: 128 };
const projectId = p('project_id', 'path', idSchema, 'Labeling project id');
const jobId = p('job_id', 'path', { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$', maxLength: 128 }, 'Labeling job id');
const modelRef = obj({ name: str, version: int32(1), alias: str }, ['name']);
const errors = {
  '400': err('Bad input; `field` names what was wrong (e.g. probabilities[3].class_scores), or a model that does not fit the project (field model)'),
  '403': err('The key lacks the scope'),
  '404': err('No such project, job or model alias'),
  '429': err('Too many pre-label runs queued, or overloaded (Retry-After)'),
  '503': err('Labeling, registry or inference service unavailable (Retry-After)'),
};

export const LABELING_ML_SCHEMAS: Json = {
  LabelingLabelIssue: obj({
    task_id: str,
    given_label: str,
    suggested_label: str,
    given_probability: num,
    suggested_probability: num,
    suggested_threshold: num,
    model: nullable(obj({ name: str, version: { type: 'integer' }, alias: str }, ['name'])),
    found_at: timestamp,
  }),
  LabelingLabelIssues: obj({ issues: arr(ref('LabelingLabelIssue')), thresholds: numberMap, tasks_checked: { type: 'integer' }, sent_to_review: { type: 'integer' } }),
  LabelingJobList: obj({ jobs: arr(ref('LabelingJob')), ...page }),
};

export const LABELING_ML_PATHS: Json = {
  '/v1/labeling/projects/{project_id}:prelabel': {
    parameters: [projectId],
    post: {
      summary: 'Start a pre-label run: the model (name + alias resolved to a version now, or a version) predicts every unlabelled task through the inference service; scores feed active learning (scope write)',
      requestBody: jsonBody(
        obj({ model: modelRef, precision: en(common.Precision, 'PRECISION_'), class_names: arr(str), include_annotated: bool, overwrite: bool, batch_size: { type: 'integer', minimum: 0, maximum: 256 } }, ['model']),
      ),
      responses: { '202': ok('Queued (Location: the job)', ref('LabelingJob')), ...errors },
    },
  },
  '/v1/labeling/projects/{project_id}/jobs': {
    parameters: [projectId],
    get: {
      summary: 'A project\'s labeling jobs, newest first',
      parameters: [p('kind', 'query', en(labeling.LabelingJobKind, 'LABELING_JOB_KIND_')), p('state', 'query', en(common.JobState, 'JOB_STATE_')), ...paging],
      responses: { '200': ok('Jobs', ref('LabelingJobList')), ...errors },
    },
  },
  '/v1/labeling/jobs/{job_id}:cancel': {
    parameters: [jobId],
    post: { summary: 'Cancel a labeling job (a running pre-label run stops between batches; stored pre-labels stay) (scope write)', responses: { '200': ok('Job', ref('LabelingJob')), ...errors } },
  },
  '/v1/labeling/projects/{project_id}:find-label-issues': {
    parameters: [projectId],
    post: {
      summary: 'Confident learning: flag tasks whose label the out-of-fold probabilities (given, or the current pre-labels) confidently contradict; flagged tasks go to the review queue (reason label_issue), labels are never changed (scope write)',
      requestBody: jsonBody(obj({ probabilities: arr(obj({ task_id: str, class_scores: numberMap }, ['task_id', 'class_scores'])), dry_run: bool }, []), false),
      responses: { '200': ok('Issues', ref('LabelingLabelIssues')), ...errors },
    },
  },
};

