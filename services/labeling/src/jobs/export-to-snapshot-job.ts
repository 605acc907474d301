/**
 * The `labeling.export_to_snapshot` job: a project's resolved labels (gold,
 * else majority; or the latest) become a new ingestion snapshot, one record
 * per labelled task: for text records a JSONL line (the record's text), for
 * PNG / JPEG records the image file itself (its bytes as the source snapshot
 * holds them, never re-encoded, so the trainer's CNN reads `format: png`,
 * width and height as ingestion's image parser writes them). Either way the
 * record keeps the task's metadata and carries the source record id
 * (`record_id`), its source snapshot (`source_snapshot`, `name@version`),
 * the task id, the label in `label_field` (snapshot-label.ts) and an
 * optional stratified `split`; the lineage (project, job, export time) is
 * in the snapshot's tags, the counts in the job's result. A task whose
 * image bytes equal an earlier task's is skipped (counted as
 * `duplicate_images_skipped`): ingestion names image records by content
 * hash, so it would silently replace the first one's record. Ingestion
 * commits the snapshot only once the whole upload has arrived, so a
 * failed or cancelled export publishes nothing; the
 * upload's idempotency key is the job's, so a retried attempt cannot publish
 * twice.
 */
import { createHash } from 'node:crypto';
import { labeling } from '@l1g1/contracts';
import { errors, type JobContext, type JsonValue } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { resolveAnnotations } from '../domain/export-resolution';
import type { AnnotationRow, ImageFile, LabelingStore, ProjectRow, SnapshotSink, TaskRow } from '../domain/ports';
import { recordText } from '../domain/record-content';
import { labelNames, snapshotLabel } from '../domain/snapshot-label';
import { checkSplitFractions, stratifiedSplit } from '../domain/stratified-split';
import { taskPages } from '../domain/task-pages';
import type { LabelingJobKindDef } from './labeling-job-kind';
import { decodeLabelingJobParams } from './labeling-job-params';

export const EXPORT_TO_SNAPSHOT_JOB_KIND = 'labeling.export_to_snapshot';
/** The label field when the request names none. */
export const DEFAULT_LABEL_FIELD = 'label';
/** Fields of the upload (all kept out of the label field's way by the request check). */
const DATA_FIELD = 'data';
const ID_FIELD = 'record_id';
/** `name@snapshot` of the ingestion snapshot the task's record came from (tasks imported from a snapshot). */
const SOURCE_FIELD = 'source_snapshot';

/** A record to upload: a JSONL line (text records) or an image file. */
type Entry = { kind: 'text'; line: string } | { kind: 'image'; image: ImageFile };

/** How a task's record is exported: as text, or as a PNG / JPEG image (bytes as they are). */
function recordKindOf(task: TaskRow): 'text' | 'png' | 'jpeg' {
  if (recordText(task.record) !== undefined) return 'text';
  const type = task.record.contentType.toLowerCase();
  if (type === 'image/png') return 'png';
  if (type === 'image/jpeg') return 'jpeg';
  throw errors.failedPrecondition(`task ${task.id} holds a ${task.record.contentType || 'binary'} record; only text records and PNG or JPEG images can be exported to a snapshot`, {
    field: 'project_id',
    reason: 'UNSUPPORTED_RECORD',
  });
}

async function* mapAsync<T, U>(items: AsyncIterable<T>, f: (t: T) => U): AsyncGenerator<U> {
  for await (const t of items) yield f(t);
}

export interface ExportToSnapshotDeps {
  store: LabelingStore;
  snapshots: SnapshotSink;
  now: () => number;
}

/** Majority unless the request asked for the latest (ALL is refused at submission). */
function resolutionOf(req: labeling.ExportToSnapshotRequest): labeling.Resolution {
  return req.resolution === labeling.Resolution.RESOLUTION_LATEST ? req.resolution : labeling.Resolution.RESOLUTION_MAJORITY;
}

interface Labelled {
  recordId: string;
  value: labeling.AnnotationValue;
}

interface LabelledTask {
  task: TaskRow;
  annotations: AnnotationRow[];
  /** The resolved label; undefined when the task has none. */
  chosen: Labelled | undefined;
}

export function createExportToSnapshotHandler(deps: ExportToSnapshotDeps) {
  return async (ctx: JobContext): Promise<JsonValue> => {
    const params = decodeLabelingJobParams(ctx.params);
    const req = labeling.ExportToSnapshotRequest.fromJSON(params.request);
    const project = await deps.store.getProject(params.projectId);
    if (!project) throw errors.failedPrecondition(`project ${params.projectId} was deleted before the export ran`, { field: 'project_id', reason: 'PROJECT_NOT_FOUND' });
    const labelField = req.labelField || DEFAULT_LABEL_FIELD;
    const resolution = resolutionOf(req);
    const taskType = project.config.taskType;
    const walk = (): AsyncGenerator<LabelledTask> =>
      labelledTasks(deps.store, project, resolution, !req.includeIncomplete, deps.now(), ctx.signal);

    // Pass 1 (only with splits): every record's label, to stratify by it.
    const fractions = checkSplitFractions(req.splitFractions);
    let splits = new Map<string, string>();
    if (fractions.length > 0) {
      const items: { recordId: string; label: string }[] = [];
      for await (const { chosen } of walk()) if (chosen) items.push({ recordId: chosen.recordId, label: snapshotLabel(chosen.value, taskType) });
      splits = stratifiedSplit(items, fractions, req.seed ?? 0);
    }

    const labelCounts: Record<string, number> = {};
    const sources = new Set<string>();
    let records = 0;
    let annotations = 0;
    let tasksSeen = 0;
    /** Content hashes of the images sent (bounded by ingestion's files per upload). */
    const imageHashes = new Set<string>();
    let duplicateImages = 0;
    const total = Math.max(1, (await deps.store.counts(project.id, deps.now())).taskCount);
    async function* entries(): AsyncGenerator<Entry> {
      for await (const { task, annotations: rows, chosen } of walk()) {
        tasksSeen++;
        if (tasksSeen % 200 === 0) await ctx.progress({ fraction: Math.min(0.99, tasksSeen / total), counters: { tasks_read: tasksSeen, records } });
        if (!chosen) continue;
        const kind = recordKindOf(task);
        if (kind !== 'text') {
          // Ingestion names an image record by its content hash: a second task with the same bytes would replace the first's record.
          const hash = createHash('sha256').update(task.record.data).digest('hex');
          if (imageHashes.has(hash)) {
            duplicateImages++;
            continue;
          }
          imageHashes.add(hash);
        }
        annotations += rows.filter((a) => !a.skipped && a.value).length;
        for (const name of labelNames(chosen.value, taskType)) labelCounts[name] = (labelCounts[name] ?? 0) + 1;
        const source = task.source ? `${task.source.name}@${task.source.snapshot}` : '';
        if (source) sources.add(source);
        const split = splits.get(chosen.recordId);
        const fields: Record<string, string> = {
          ...task.record.metadata,
          ...(split ? { split } : {}),
          ...(source ? { [SOURCE_FIELD]: source } : {}),
          labeling_task_id: task.id,
          [labelField]: snapshotLabel(chosen.value, taskType),
          [ID_FIELD]: chosen.recordId,
        };
        records++;
        if (kind === 'text') {
          yield { kind, line: JSON.stringify({ ...fields, [DATA_FIELD]: recordText(task.record) }) };
        } else {
          yield { kind: 'image', image: { name: `${task.id}.${kind === 'png' ? 'png' : 'jpg'}`, format: kind, bytes: task.record.data, metadata: fields } };
        }
      }
    }
    // Nothing to export is the caller's mistake: refuse before ingestion publishes an empty snapshot.
    const it = entries();
    const first = await it.next();
    if (first.done) throw errors.failedPrecondition('the project has no labelled tasks to export', { field: 'project_id', reason: 'NOTHING_TO_EXPORT' });
    const firstEntry = first.value;
    /** Every entry, each checked to be of the first one's kind: one snapshot holds text or images, not both. */
    async function* all<K extends Entry['kind']>(kind: K): AsyncGenerator<Extract<Entry, { kind: K }>> {
      for (let e: Entry | undefined = firstEntry; e; ) {
        if (e.kind !== kind) {
          throw errors.failedPrecondition(`the project mixes text and image records; a snapshot holds one kind (the export started with ${kind} records)`, { field: 'project_id', reason: 'MIXED_RECORDS' });
        }
        yield e as Extract<Entry, { kind: K }>;
        const next = await it.next();
        e = next.done ? undefined : next.value;
      }
    }
    // Lineage goes in tags, which ingestion checks as part of the header: the header must be the same on a retry.
    // The counts are known only after the walk, so they go in the job's result; the tags carry what is fixed.
    const exportedAt = new Date(ctx.job.createdAtMs).toISOString();
    const upload = {
      dataset: req.dataset,
      description: req.description || `labels of labeling project ${project.name} (${project.id}), exported ${exportedAt}`,
      tags: {
        'labeling.project_id': project.id,
        'labeling.project_name': project.name,
        'labeling.job_id': ctx.job.id,
        'labeling.exported_at': exportedAt,
        'labeling.resolution': resolution === labeling.Resolution.RESOLUTION_LATEST ? 'latest' : 'majority',
        'labeling.label_field': labelField,
      },
      idempotencyKey: `labeling-export-${ctx.job.id}`,
    };
    const ingested =
      firstEntry.kind === 'text'
        ? await deps.snapshots.ingestJsonl({ ...upload, dataField: DATA_FIELD, idField: ID_FIELD, lines: mapAsync(all('text'), (e) => e.line) }, ctx.signal)
        : await deps.snapshots.ingestImages({ ...upload, images: mapAsync(all('image'), (e) => e.image) }, ctx.signal);
    await ctx.progress({
      fraction: 1,
      message: `exported ${records} records to ${ingested.snapshot.name}@${ingested.snapshot.snapshot}`,
      counters: { tasks_read: tasksSeen, records, annotations, ...(duplicateImages > 0 ? { duplicate_images_skipped: duplicateImages } : {}) },
    });
    await ctx.emit('log', { lineage: { project_id: project.id, exported_at: exportedAt, annotations, records, duplicate_images_skipped: duplicateImages, source_snapshots: [...sources].sort() } });
    return labeling.ExportToSnapshotResult.toJSON({ snapshot: ingested.snapshot, records, labelCounts }) as JsonValue;
  };
}

async function* labelledTasks(
  store: LabelingStore,
  project: ProjectRow,
  resolution: labeling.Resolution,
  completedOnly: boolean,
  nowMs: number,
  signal: AbortSignal,
): AsyncGenerator<LabelledTask> {
  for await (const page of taskPages(store, project.id, { nowMs, completedOnly })) {
    if (signal.aborted) throw errors.cancelled('the export was stopped', { reason: 'JOB_ABORTED' });
    for (const { task, annotations } of page) {
      const value = resolveAnnotations(annotations, resolution)[0]?.value;
      yield { task, annotations, chosen: value ? { recordId: task.record.id, value } : undefined };
    }
  }
}

/** The kind as registered in `jobs/index.ts`. */
export const exportToSnapshotKind: LabelingJobKindDef = {
  kind: EXPORT_TO_SNAPSHOT_JOB_KIND,
  proto: labeling.LabelingJobKind.LABELING_JOB_KIND_EXPORT_TO_SNAPSHOT,
  view(request, result) {
    return {
      request: request === null ? undefined : { $case: 'exportRequest', value: labeling.ExportToSnapshotRequest.fromJSON(request) },
      result: result === undefined ? undefined : { $case: 'exportResult', value: labeling.ExportToSnapshotResult.fromJSON(result) },
    };
  },
  createHandler: (deps: LabelingDeps) => createExportToSnapshotHandler(deps),
};
