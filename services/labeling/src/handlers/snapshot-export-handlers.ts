/**
 * ExportToSnapshot: checks the request in full (project, dataset name, label
 * field, resolution, splits) and queues the export job, answering the job to
 * poll; a refused request leaves no job behind.
 */
import { labeling } from '@l1g1/contracts';
import { actorOf, errors, type AsyncService, type JsonValue } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { checkSplitFractions } from '../domain/stratified-split';
import { EXPORT_TO_SNAPSHOT_JOB_KIND, LABELING_JOB_KINDS, submitLabelingJob, toLabelingJob } from '../jobs';
import { boundedText } from './checks';
import { loadProject } from './load-project';

type Handlers = Pick<AsyncService<labeling.LabelingServiceService>, 'exportToSnapshot'>;

/** Ingestion's dataset names. */
const DATASET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const LABEL_FIELD = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/**
 * Fields the export writes itself, and those ingestion's image parser writes
 * over the client's metadata: a label field with one of these names would be lost.
 */
const RESERVED_FIELDS = new Set(['data', 'record_id', 'labeling_task_id', 'split', 'source_snapshot', 'source_file', 'format', 'width', 'height', 'channels', 'has_alpha', 'color_space', 'original_width', 'original_height']);
/** An export is repeatable (the same key answers the first job); crash resumes count. */
const MAX_ATTEMPTS = 3;

export function createSnapshotExportHandlers(deps: Pick<LabelingDeps, 'store' | 'jobs' | 'config'>): Handlers {
  return {
    async exportToSnapshot(req, call) {
      const project = await loadProject(deps.store, req.projectId);
      if (!DATASET_NAME.test(req.dataset)) throw errors.invalidArgument('dataset', 'must be 1-128 characters: lowercase letters, digits, . _ - (starting with a letter or digit)');
      if (req.labelField !== '' && (!LABEL_FIELD.test(req.labelField) || RESERVED_FIELDS.has(req.labelField))) {
        throw errors.invalidArgument('label_field', `must be 1-64 characters (letters, digits, _ . -) and none of ${[...RESERVED_FIELDS].join(', ')}`);
      }
      const R = labeling.Resolution;
      if (req.resolution === R.RESOLUTION_ALL) throw errors.invalidArgument('resolution', 'a snapshot record holds one label: use majority (gold first) or latest');
      if (![R.RESOLUTION_UNSPECIFIED, R.RESOLUTION_MAJORITY, R.RESOLUTION_LATEST].includes(req.resolution)) throw errors.invalidArgument('resolution', 'unknown resolution');
      checkSplitFractions(req.splitFractions);
      if (req.seed !== undefined && !Number.isSafeInteger(req.seed)) throw errors.invalidArgument('seed', 'must be an integer');
      boundedText(req.description, 'description', 2000);
      const job = await submitLabelingJob(deps.jobs, deps.config.maxQueuedJobs, {
        kind: EXPORT_TO_SNAPSHOT_JOB_KIND,
        projectId: project.id,
        createdBy: actorOf(call.metadata),
        request: labeling.ExportToSnapshotRequest.toJSON({ ...req, projectId: project.id }) as JsonValue,
        ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
        maxAttempts: MAX_ATTEMPTS,
      });
      return toLabelingJob(job, LABELING_JOB_KINDS);
    },
  };
}
