/**
 * The OpenAPI entries of the labeling routes (routes/labeling-routes.ts) and
 * of the annotation page (routes/label-page.ts). Enum spellings are derived
 * from the contract, like the parsers that read them.
 */
import { labeling } from '@l1g1/contracts';
import { bool, en, err, int32, int64, jsonBody, num, numberMap, obj, ok, p, page, paging, ref, str, stringMap, timestamp, type Json } from './openapi-helpers';

const L = labeling;
const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const idSchema = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', maxLength: 128 };
const projectId = p('project_id', 'path', idSchema, 'Labeling project id');
const taskId = p('task_id', 'path', idSchema, 'Task id');
const jobId = p('job_id', 'path', { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$', maxLength: 128 }, 'Labeling job id');
const errors = {
  '400': err('Bad input; `field` names what was wrong (e.g. value.ner.spans[0].end)'),
  '403': err('The key lacks the scope, or an annotate-only key named another annotator or asked for gold'),
  '404': err('No such project, task or job'),
  '409': err('Conflict: e.g. a second annotation by the same annotator (ALREADY_EXISTS)'),
  '429': err('Overloaded (Retry-After)'),
  '503': err('Labeling service unavailable (Retry-After)'),
};
const arr = (items: Json): Json => ({ type: 'array', items });
const annotatorField = { type: 'string', maxLength: 128, description: 'Default: the key\'s name. Naming someone else needs scope write' };
const classSchema = { oneOf: [str, obj({ name: str, description: str, color: { type: 'string', description: '#rrggbb' } }, ['name'])] };
const datasetRef = obj({ dataset: str, snapshot: { type: 'integer' } });

export const LABELING_SCHEMAS: Json = {
  LabelingValue: {
    description: 'Exactly one key, matching the project\'s task type; span offsets are UTF-16 [start, end), box coordinates fractions 0..1 of the image',
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    properties: {
      classification: obj({ labels: arr(str) }),
      ner: obj({ spans: arr(obj({ start: int32(), end: int32(), label: str, text: str }, ['start', 'end', 'label'])) }),
      bbox: obj({ boxes: arr(obj({ label: str, x: num, y: num, width: num, height: num })) }),
      segmentation: obj({ polygons: arr(obj({ label: str, points: arr(obj({ x: num, y: num })) })) }),
      free_text: obj({ text: str }),
    },
  },
  LabelingProject: obj({
    id: str,
    name: str,
    description: str,
    instructions: str,
    label_config: obj({
      task_type: en(L.TaskType, 'TASK_TYPE_'),
      classes: arr(obj({ name: str, index: { type: 'integer' }, description: str, color: str })),
      annotations_per_task: { type: 'integer' },
      overlap_fraction: { type: ['number', 'null'] },
      reservation_s: { type: 'integer' },
      active_learning_strategy: en(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_'),
    }),
    tags: stringMap,
    task_count: { type: 'integer' },
    completed_task_count: { type: 'integer' },
    annotation_count: { type: 'integer' },
    created_at: timestamp,
    updated_at: timestamp,
    created_by: str,
  }),
  LabelingProjectList: obj({ projects: arr(ref('LabelingProject')), ...page }),
  LabelingTask: obj({
    id: str,
    project_id: str,
    record: nullable(obj({ id: str, content_type: str, metadata: stringMap, text: { type: 'string', description: 'Text records' }, data_base64: { type: 'string', description: 'Other records (images)' } }, ['id', 'content_type', 'metadata'])),
    source: nullable(datasetRef),
    state: en(L.TaskState, 'TASK_STATE_'),
    annotations_required: { type: 'integer' },
    annotation_count: { type: 'integer' },
    prediction: nullable(
      obj({
        model: nullable(obj({ name: str, version: { type: 'integer' }, alias: str }, ['name'])),
        value: ref('LabelingValue'),
        class_scores: numberMap,
        score: num,
        created_at: timestamp,
        source: { type: 'string', description: '"model" (a pre-label run) or "import" (ImportTasks\' label_field; no model, score 1)' },
      }),
    ),
    reserved_by: str,
    reserved_until: timestamp,
    created_at: timestamp,
    image_width: { type: 'integer' },
    image_height: { type: 'integer' },
  }),
  LabelingTaskList: obj({ tasks: arr(ref('LabelingTask')), ...page }),
  LabelingNextTask: obj({ task: nullable(ref('LabelingTask')), score: num, strategy: en(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_'), remaining: { type: 'integer' } }),
  LabelingAnnotation: obj({
    id: str,
    task_id: str,
    project_id: str,
    annotator: str,
    value: nullable(ref('LabelingValue')),
    lead_time_ms: { type: 'integer' },
    skipped: bool,
    prelabel_model: nullable(obj({ name: str, version: { type: 'integer' } }, ['name'])),
    prelabel_accepted_unchanged: bool,
    gold: bool,
    created_at: timestamp,
    updated_at: timestamp,
    history: arr(obj({ value: nullable(ref('LabelingValue')), lead_time_ms: { type: 'integer' }, skipped: bool, created_at: timestamp })),
  }),
  LabelingAnnotationList: obj({ annotations: arr(ref('LabelingAnnotation')), ...page }),
  LabelingAgreement: obj({
    project_id: str,
    metric: en(L.AgreementMetric, 'AGREEMENT_METRIC_'),
    kappa: num,
    observed_agreement: num,
    tasks_compared: { type: 'integer' },
    units_compared: { type: 'integer' },
    per_label: arr(obj({ label: str, kappa: num, support: { type: 'integer' } })),
    pairs: arr(obj({ annotator_a: str, annotator_b: str, kappa: num, observed_agreement: num, shared_tasks: { type: 'integer' }, precision: num, recall: num, mean_iou: num })),
    computed_at: timestamp,
    mean_iou: num,
    iou_threshold: num,
  }),
  LabelingReviewQueue: obj({
    items: arr(
      obj({
        task_id: str,
        consensus: nullable(ref('LabelingValue')),
        agreement: num,
        annotations: { type: 'integer' },
        distinct_values: { type: 'integer' },
        reason: en(L.ReviewReason, 'REVIEW_REASON_'),
        label_issue: nullable(ref('LabelingLabelIssue')),
      }),
    ),
    ...page,
  }),
  LabelingJob: obj({
    job_id: str,
    kind: str,
    state: str,
    progress: num,
    message: str,
    job_kind: en(L.LabelingJobKind, 'LABELING_JOB_KIND_'),
    project_id: str,
    created_by: str,
    prelabel_model: nullable(obj({ name: str, version: { type: 'integer' }, alias: str }, ['name'])),
    prelabel_result: nullable(obj({ predicted: { type: 'integer' }, skipped: { type: 'integer' }, failed: { type: 'integer' }, model: nullable(obj({ name: str, version: { type: 'integer' } }, ['name'])) })),
    export_result: nullable(obj({ snapshot: nullable(datasetRef), records: { type: 'integer' }, label_counts: { type: 'object', additionalProperties: { type: 'integer' } } })),
  }),
  LabelingImportResult: obj({
    items: { type: 'integer', description: 'Items (tasks) read from the file' },
    tasks_created: { type: 'integer', description: 'Items whose record was not in the project yet' },
    annotations_imported: { type: 'integer' },
    annotations_unchanged: { type: 'integer', description: 'Already stored with the same value (a repeated import adds nothing)' },
  }),
  LabelingJobEvent: obj({
    sequence: int64(),
    type: { type: 'string', description: 'state | progress | log | … (also the SSE event name)' },
    at: timestamp,
    job_id: str,
    job: nullable(ref('LabelingJob')),
    data: { description: 'The event\'s data (a state change, a progress report, a log entry)' },
  }),
  LabelingProgress: obj({
    project_id: str,
    task_count: { type: 'integer' },
    completed_task_count: { type: 'integer' },
    annotation_count: { type: 'integer' },
    agreement: nullable(obj({ metric: str, kappa: num, observed_agreement: num, tasks_compared: { type: 'integer' } })),
  }),
};

const html = (description: string, type: string): Json => ({ description, content: { [type]: { schema: str } } });

export const LABELING_PATHS: Json = {
  '/label': { get: { summary: 'The annotation page (HTML; it asks for an API key and calls the /v1/labeling routes)', security: [], responses: { '200': html('The page', 'text/html') } } },
  '/label/label-page.js': { get: { summary: 'The annotation page\'s ES module', security: [], responses: { '200': html('Script', 'text/javascript') } } },
  '/label/label-page.css': { get: { summary: 'The annotation page\'s stylesheet', security: [], responses: { '200': html('Stylesheet', 'text/css') } } },
  '/v1/labeling/projects': {
    post: {
      summary: 'Create a labeling project with its label schema (scope write)',
      requestBody: jsonBody(
        obj(
          {
            name: str,
            description: str,
            instructions: str,
            label_config: obj(
              { task_type: en(L.TaskType, 'TASK_TYPE_'), classes: arr(classSchema), annotations_per_task: int32(), overlap_fraction: { type: 'number', minimum: 0, maximum: 1 }, reservation_s: int32(), active_learning_strategy: en(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_') },
              ['task_type'],
            ),
            tags: stringMap,
          },
          ['name', 'label_config'],
        ),
      ),
      responses: { '201': ok('Created (Location: the project)', ref('LabelingProject')), ...errors },
    },
    get: {
      summary: 'Labeling projects',
      parameters: [p('query', 'query', str, 'Name contains'), p('task_type', 'query', en(L.TaskType, 'TASK_TYPE_')), ...paging],
      responses: { '200': ok('Projects', ref('LabelingProjectList')), ...errors },
    },
  },
  '/v1/labeling/projects/{project_id}': {
    parameters: [projectId],
    get: { summary: 'A project with its counts', responses: { '200': ok('Project', ref('LabelingProject')), ...errors } },
    patch: {
      summary: 'Rename, re-describe, append or rename classes, change overlap (scope write)',
      requestBody: jsonBody(
        obj({ name: str, description: str, instructions: str, add_classes: arr(classSchema), rename_classes: arr(obj({ from: str, to: str })), annotations_per_task: int32(), overlap_fraction: { type: 'number', minimum: 0, maximum: 1 }, tags: stringMap, active_learning_strategy: en(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_') }, []),
      ),
      responses: { '200': ok('Project', ref('LabelingProject')), ...errors },
    },
    delete: {
      summary: 'Delete a project; refused (400, FAILED_PRECONDITION) while annotations exist unless force=true (scope write)',
      parameters: [p('force', 'query', bool)],
      responses: { '204': { description: 'Deleted' }, ...errors },
    },
  },
  '/v1/labeling/projects/{project_id}/tasks': {
    parameters: [projectId],
    post: {
      summary: 'Import tasks from a dataset snapshot or from uploaded records (at most 10,000); records already in the project are skipped (scope write)',
      requestBody: jsonBody(
        obj(
          {
            snapshot: datasetRef,
            split: str,
            metadata_equals: stringMap,
            sample_size: int64(),
            seed: int64(),
            label_field: { type: 'string', maxLength: 64, description: 'Metadata key whose value becomes each task\'s ground-truth pre-annotation (source "import"), in the form ExportToSnapshot writes: a class name, a JSON array of names (multi-label), of [start, end, label] spans (NER), the answer (free text), the value\'s JSON (images). A bad value refuses the whole import naming label_field and the record' },
            records: arr(obj({ id: str, text: str, data_base64: str, content_type: str, metadata: stringMap }, [])),
          },
          [],
        ),
      ),
      responses: { '201': ok('Imported', obj({ imported: { type: 'integer' }, skipped_existing: { type: 'integer' }, snapshot: nullable(datasetRef) })), ...errors },
    },
    get: {
      summary: 'A project\'s tasks in import order',
      parameters: [p('state', 'query', en(L.TaskState, 'TASK_STATE_')), p('annotator', 'query', str, 'Only tasks this annotator annotated'), p('with_prediction_only', 'query', bool), p('order', 'query', en(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_'), 'uncertainty, margin or entropy: most uncertain pre-label first'), ...paging],
      responses: { '200': ok('Tasks', ref('LabelingTaskList')), ...errors },
    },
  },
  '/v1/labeling/projects/{project_id}:next-task': {
    parameters: [projectId],
    post: {
      summary: 'Reserve the next task for the caller (the key\'s name, or `annotator` with scope write); task null when none is left (scope annotate)',
      requestBody: jsonBody(obj({ annotator: annotatorField, strategy: en(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_'), seed: int64() }, []), false),
      responses: { '200': ok('The task', ref('LabelingNextTask')), ...errors },
    },
  },
  '/v1/labeling/tasks/{task_id}': {
    parameters: [taskId],
    get: { summary: 'A task: its record, state, counts, pre-label', responses: { '200': ok('Task', ref('LabelingTask')), ...errors } },
  },
  '/v1/labeling/tasks/{task_id}:skip': {
    parameters: [taskId],
    post: {
      summary: 'Skip a task: it leaves the caller\'s queue and its slot goes to someone else (scope annotate)',
      requestBody: jsonBody(obj({ annotator: annotatorField, lead_time_ms: int64() }, []), false),
      responses: { '200': ok('The skip, recorded as an annotation', ref('LabelingAnnotation')), ...errors },
    },
  },
  '/v1/labeling/tasks/{task_id}/annotations': {
    parameters: [taskId],
    post: {
      summary: 'Submit an annotation (validated against the schema; annotation_id replaces an earlier one, keeping it in history; gold needs scope write) (scope annotate)',
      requestBody: jsonBody(obj({ value: ref('LabelingValue'), annotator: annotatorField, lead_time_ms: int64(), annotation_id: str, from_prelabel: bool, gold: bool }, ['value'])),
      responses: { '201': ok('Stored', ref('LabelingAnnotation')), '200': ok('Replaced', ref('LabelingAnnotation')), ...errors },
    },
    get: {
      summary: 'A task\'s annotations with their history',
      parameters: [p('annotator', 'query', str), ...paging],
      responses: { '200': ok('Annotations', ref('LabelingAnnotationList')), ...errors },
    },
  },
  '/v1/labeling/projects/{project_id}/annotations': {
    parameters: [projectId],
    get: { summary: 'A project\'s annotations with their history', parameters: [p('annotator', 'query', str), ...paging], responses: { '200': ok('Annotations', ref('LabelingAnnotationList')), ...errors } },
  },
  '/v1/labeling/projects/{project_id}/agreement': {
    parameters: [projectId],
    get: {
      summary: 'Agreement between annotators (default: Cohen with two per task, Fleiss with more)',
      parameters: [p('metric', 'query', en(L.AgreementMetric, 'AGREEMENT_METRIC_')), p('annotators', 'query', str, 'Comma-separated; empty: all'), p('iou_threshold', 'query', { type: 'number', minimum: 0, maximum: 1 })],
      responses: { '200': ok('Agreement', ref('LabelingAgreement')), ...errors },
    },
  },
  '/v1/labeling/projects/{project_id}/review-queue': {
    parameters: [projectId],
    get: { summary: 'Tasks whose annotators disagree (reason disagreement, the default) or that FindLabelIssues flagged (reason label_issue), with no gold answer yet', parameters: [p('reason', 'query', en(L.ReviewReason, 'REVIEW_REASON_')), ...paging], responses: { '200': ok('Review queue', ref('LabelingReviewQueue')), ...errors } },
  },
  '/v1/labeling/projects/{project_id}/export': {
    parameters: [projectId],
    get: {
      summary: 'Download the annotations, streamed, in the format\'s content type; yolo (classes.txt + labels/<task_id>.txt) as one POSIX ustar archive, `<project_id>-yolo.tar`, packed as it streams (each member at most 16 MiB)',
      parameters: [
        p('format', 'query', en(L.ExportFormat, 'EXPORT_FORMAT_'), 'Required'),
        p('resolution', 'query', en(L.Resolution, 'RESOLUTION_')),
        p('include_incomplete', 'query', bool),
        p('include_predictions', 'query', bool),
      ],
      responses: {
        '200': {
          description: 'The file (Content-Disposition names it; X-L1G1-Task-Count)',
          content: {
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            'application/x-tar': { schema: { type: 'string', format: 'binary', description: 'format=yolo: a POSIX ustar archive of classes.txt then labels/<task_id>.txt, ending with two zero blocks' } },
          },
        },
        ...errors,
      },
    },
  },
  '/v1/labeling/projects/{project_id}:export-to-snapshot': {
    parameters: [projectId],
    post: {
      summary: 'Start a job turning the consensus labels into a new dataset snapshot (scope write)',
      requestBody: jsonBody(obj({ dataset: str, label_field: str, resolution: en(L.Resolution, 'RESOLUTION_'), include_incomplete: bool, split_fractions: numberMap, seed: int64(), description: str, idempotency_key: str }, ['dataset'])),
      responses: { '202': ok('Queued (Location: the job)', ref('LabelingJob')), '501': err('Not implemented by this labeling service yet'), ...errors },
    },
  },
  '/v1/labeling/jobs/{job_id}': {
    parameters: [jobId],
    get: { summary: 'A labeling job (export to snapshot)', responses: { '200': ok('Job', ref('LabelingJob')), ...errors } },
  },
  '/v1/labeling/jobs/{job_id}/events': {
    parameters: [jobId],
    get: {
      summary: 'Server-Sent Events of a labeling job (id = sequence; event = its type: state, progress, log, …): stored events first, then live; ends after the terminal state (scope read)',
      parameters: [p('Last-Event-ID', 'header', int64(), 'Replay after this sequence (what EventSource sends on reconnect)'), p('after_sequence', 'query', int64(), 'The same, for clients that cannot set headers')],
      responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: ref('LabelingJobEvent') } } }, ...errors },
    },
  },
  '/v1/labeling/projects/{project_id}:import-annotations': {
    parameters: [projectId],
    post: {
      summary: 'Import an export file (ours or a tool\'s in the same format) as the raw body, streamed to the service and written in one transaction: the first bad item is named (`items[3].…`) and nothing is written (scope write)',
      parameters: [p('format', 'query', en(L.ExportFormat, 'EXPORT_FORMAT_'), 'Required; yolo takes a tar archive (application/x-tar or octet-stream) as the export writes it')],
      requestBody: {
        required: true,
        content: {
          'application/octet-stream': { schema: { type: 'string', format: 'binary', description: 'The file; JSON exports (label_studio_json, coco) go as octet-stream' } },
          'application/x-ndjson': { schema: { type: 'string', format: 'binary' } },
          'text/csv': { schema: { type: 'string', format: 'binary' } },
          'text/plain': { schema: { type: 'string', format: 'binary', description: 'CoNLL-2003' } },
          'application/x-tar': {
            schema: {
              type: 'string',
              format: 'binary',
              description:
                'format=yolo: a ustar (or GNU tar) archive of classes.txt and labels/<task_id>.txt, read as it arrives; directories are skipped; links, devices, pax/GNU extension headers, absolute or `..` paths, members over 16 MiB and damaged or cut archives are a 400 naming body',
            },
          },
        },
      },
      responses: { '200': ok('Import summary', ref('LabelingImportResult')), '413': err('Larger than L1G1_MAX_UPLOAD_BYTES'), '415': err('A body type other than the ones above'), ...errors },
    },
  },
  '/v1/labeling/projects/{project_id}/events': {
    parameters: [projectId],
    get: {
      summary: 'Server-Sent Events of a project\'s progress: `progress` events, each the whole state (counts, agreement), the first at once, then on every change',
      responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: ref('LabelingProgress') } } }, ...errors },
    },
  },
};
