/**
 * What the labeling domain needs from storage, as interfaces the composition
 * root fills with adapters (SQLite embedded, PostgreSQL scaled). Values are
 * the contract's plain message types; times are epoch milliseconds.
 */
import type { common, labeling } from '@l1g1/contracts';
import type { QueueOrder } from '../active-learning/queue-order';
import type { ShuffleKey } from '../active-learning/random-order';
import type { PredictionStore } from './prediction-ports';

export interface ProjectRow {
  id: string;
  name: string;
  description: string;
  instructions: string;
  config: labeling.LabelConfig;
  tags: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
  createdBy: string;
}

export interface ProjectCounts {
  taskCount: number;
  completedTaskCount: number;
  annotationCount: number;
}

export interface NewTask {
  id: string;
  record: common.Record;
  source: common.DatasetRef | undefined;
  /** Distinct (non-skipped) annotators this task needs. */
  required: number;
  imageWidth: number;
  imageHeight: number;
  /** A ground-truth pre-annotation from the snapshot (ImportTasks' label_field), if any. */
  seedValue: labeling.AnnotationValue | undefined;
}

export interface TaskRow {
  id: string;
  projectId: string;
  /** Import order within the project (keyset of lists and the sequential queue). */
  seq: number;
  record: common.Record;
  source: common.DatasetRef | undefined;
  required: number;
  /** Non-skipped, non-gold annotations. */
  annotationCount: number;
  /** The annotator holding an unexpired reservation and until when (ms), if any. */
  reservedBy: string;
  reservedUntilMs: number;
  createdAtMs: number;
  imageWidth: number;
  imageHeight: number;
  seedValue: labeling.AnnotationValue | undefined;
}

export interface AnnotationRevisionRow {
  value: labeling.AnnotationValue | undefined;
  leadTimeMs: number;
  skipped: boolean;
  createdAtMs: number;
}

export interface AnnotationRow {
  id: string;
  taskId: string;
  projectId: string;
  annotator: string;
  value: labeling.AnnotationValue | undefined;
  leadTimeMs: number;
  skipped: boolean;
  gold: boolean;
  fromPrelabel: boolean;
  /** The pre-label the annotator started from (model name + version), when `fromPrelabel`. */
  prelabelModel: common.ModelRef | undefined;
  /** The submitted value equals that pre-label's value. */
  prelabelAccepted: boolean;
  createdAtMs: number;
  updatedAtMs: number;
  /** Earlier versions, oldest first. */
  history: AnnotationRevisionRow[];
}

export interface TaskFilter {
  projectId: string;
  state: labeling.TaskState;
  annotator: string;
  /** Keyset: tasks after this seq. */
  afterSeq: number;
  limit: number;
  nowMs: number;
  /** Only tasks holding a pre-label. */
  withPredictionOnly?: boolean;
  /** Default 'seq' (keyset on afterSeq); an uncertainty order pages by `offset`. */
  order?: QueueOrder;
  offset?: number;
}

export interface AnnotationFilter {
  projectId: string;
  taskId: string;
  annotator: string;
  /** Keyset: annotations after this id (ids sort by creation). */
  afterId: string;
  limit: number;
}

/** A submission as the store applies it, after validation. */
export interface AnnotationWrite {
  id: string;
  taskId: string;
  annotator: string;
  value: labeling.AnnotationValue | undefined;
  leadTimeMs: number;
  skipped: boolean;
  gold: boolean;
  fromPrelabel: boolean;
  prelabelModel: common.ModelRef | undefined;
  prelabelAccepted: boolean;
  /** Set to replace the annotator's earlier annotation (it moves to history). */
  replaces: string;
  nowMs: number;
}

/** An imported annotation, validated, before it is matched to its task. */
export interface ImportedAnnotationWrite {
  id: string;
  /** The task it names in this project; empty: matched by `recordId`. */
  taskId: string;
  recordId: string;
  /** The upload's field it came from (`items[3].annotations[0]`), named in refusals. */
  field: string;
  annotator: string;
  value: labeling.AnnotationValue;
  leadTimeMs: number;
  gold: boolean;
}

export interface ClaimedTask {
  task: TaskRow;
  /** Open tasks left for this annotator, the claimed one included. */
  remaining: number;
}

/** The labeling service's metadata. Every write is one transaction. */
export interface LabelingStore extends PredictionStore {
  insertProject(row: ProjectRow): Promise<void>;
  getProject(id: string): Promise<ProjectRow | undefined>;
  /** Projects by id (creation order) after `afterId`, optionally filtered. */
  listProjects(filter: { query: string; taskType: number; afterId: string; limit: number }): Promise<ProjectRow[]>;
  /**
   * Read-modify-write under the project's lock; undefined when it does not
   * exist. `renames` (old → new class name) are applied to every stored
   * annotation and its history in the same transaction.
   */
  updateProject(id: string, change: (row: ProjectRow, counts: ProjectCounts) => ProjectRow, renames: ReadonlyMap<string, string>): Promise<ProjectRow | undefined>;
  /** Deletes the project, its tasks and annotations; refuses (FAILED_PRECONDITION) with annotations unless `force`. */
  deleteProject(id: string, force: boolean): Promise<{ deletedTasks: number; deletedAnnotations: number } | undefined>;
  counts(projectId: string, nowMs: number): Promise<ProjectCounts>;

  /** Adds tasks in order; a record already in the project is skipped. Answers the ids of the tasks added. */
  insertTasks(projectId: string, tasks: readonly NewTask[], nowMs: number): Promise<{ imported: number; skipped: number; insertedIds: string[] }>;
  /**
   * One transaction: adds `tasks` (records already in the project skipped),
   * then each annotation on the task it names (by task id, else by record
   * id). An annotation already stored with the same value by the same
   * annotator counts as unchanged; a different one is ALREADY_EXISTS and a
   * task not in the project INVALID_ARGUMENT, both naming the item's field,
   * and either leaves nothing written.
   */
  importAnnotations(
    projectId: string,
    tasks: readonly NewTask[],
    annotations: readonly ImportedAnnotationWrite[],
    nowMs: number,
  ): Promise<{ tasksCreated: number; imported: number; unchanged: number }>;
  /** Removes these tasks where nobody has reserved, skipped or annotated them yet (undoing a failed import); answers how many. */
  deleteUntouchedTasks(projectId: string, ids: readonly string[]): Promise<number>;
  getTask(id: string, nowMs: number): Promise<TaskRow | undefined>;
  listTasks(filter: TaskFilter): Promise<TaskRow[]>;
  /**
   * Reserves the next task for `annotator` (their own live reservation
   * first): one they have not annotated or skipped, whose annotations plus
   * live reservations of others stay below its requirement.
   */
  /** `shuffle` (RANDOM) orders the open tasks by the annotator's seeded permutation instead of `order`. */
  claimNextTask(projectId: string, annotator: string, nowMs: number, reservationMs: number, order?: QueueOrder, shuffle?: ShuffleKey): Promise<ClaimedTask | undefined>;

  /** Applies a submission atomically, checking capacity and duplicates inside the transaction. */
  writeAnnotation(write: AnnotationWrite): Promise<AnnotationRow>;
  getAnnotation(id: string): Promise<AnnotationRow | undefined>;
  listAnnotations(filter: AnnotationFilter): Promise<AnnotationRow[]>;
  /** Every annotation of these tasks (for agreement, consensus and export pages). */
  annotationsOfTasks(taskIds: readonly string[]): Promise<AnnotationRow[]>;

  close(): Promise<void>;
}

/** A batch of snapshot records, with the snapshot they were pinned to. */
export interface RecordBatch {
  records: common.Record[];
  snapshot: common.DatasetRef | undefined;
  /** Records the whole read will give (first batch only; 0 otherwise). */
  total: number;
}

/** Records of ingestion's snapshots (ReadRecords), the source of ImportTasks. */
export interface SnapshotRecordSource {
  /** NOT_FOUND (a client fault) when the snapshot does not exist. */
  readRecords(ref: common.DatasetRef, filter: { metadataEquals: Record<string, string>; split: string }, signal: AbortSignal): AsyncIterable<RecordBatch>;
}

/** What a JSONL upload to ingestion created. */
export interface IngestedSnapshot {
  snapshot: common.DatasetRef;
  rowsKept: number;
  rowsFailed: number;
}

/** What every upload to a new snapshot names. */
export interface SnapshotUpload {
  dataset: string;
  description: string;
  tags: Record<string, string>;
  /** The same key again answers the first upload (a retried job publishes once). */
  idempotencyKey: string;
}

/** One image of an image upload: its bytes as they are (never re-encoded) and its record's metadata. */
export interface ImageFile {
  /** File name as ingestion records it (`source_file`). */
  name: string;
  format: 'png' | 'jpeg';
  bytes: Uint8Array;
  metadata: Record<string, string>;
}

/**
 * New snapshots in ingestion (client-streaming Ingest), the target of
 * ExportToSnapshot. Ingestion commits a snapshot only once the whole upload
 * has been parsed: an aborted or failed upload leaves nothing behind.
 */
export interface SnapshotSink {
  ingestJsonl(
    input: SnapshotUpload & {
      /** JSONL field holding the record's text. */
      dataField: string;
      /** JSONL field holding the source record id (kept as metadata `record_id`). */
      idField: string;
      lines: AsyncIterable<string>;
    },
    signal: AbortSignal,
  ): Promise<IngestedSnapshot>;
  /** One record per image; ingestion's image parser adds format, width, height and channels to its metadata. */
  ingestImages(input: SnapshotUpload & { images: AsyncIterable<ImageFile> }, signal: AbortSignal): Promise<IngestedSnapshot>;
}
