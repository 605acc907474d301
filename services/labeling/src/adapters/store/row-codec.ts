/**
 * Rows of the labeling tables to domain rows and back. Values are stored as
 * the contract's JSON (toJSON / fromJSON), so a stored annotation reads back
 * exactly as it was validated; BIGINT columns come back from pg as strings.
 */
import { common, labeling } from '@l1g1/contracts';
import type { AnnotationRevisionRow, AnnotationRow, ProjectRow, TaskRow } from '../../domain/ports';

export interface ProjectRecord {
  id: string;
  name: string;
  description: string;
  instructions: string;
  config: string;
  tags: string;
  created_at: string | number;
  updated_at: string | number;
  created_by: string;
}

export interface TaskRecord {
  id: string;
  project_id: string;
  seq: string | number;
  record: string;
  source: string | null;
  required: string | number;
  image_width: string | number;
  image_height: string | number;
  seed_value: string | null;
  created_at: string | number;
  done_count: string | number;
  reserved_by: string | null;
  reserved_until: string | number | null;
}

export interface AnnotationRecord {
  id: string;
  task_id: string;
  project_id: string;
  annotator: string;
  value: string | null;
  lead_time_ms: string | number;
  skipped: string | number;
  gold: string | number;
  from_prelabel: string | number;
  prelabel_model?: string | null;
  prelabel_accepted?: string | number;
  history: string;
  created_at: string | number;
  updated_at: string | number;
}

export const encodeValue = (v: labeling.AnnotationValue | undefined): string | null => (v ? JSON.stringify(labeling.AnnotationValue.toJSON(v)) : null);
export const decodeValue = (s: string | null): labeling.AnnotationValue | undefined => (s === null ? undefined : labeling.AnnotationValue.fromJSON(JSON.parse(s)));

export const encodeRecord = (r: common.Record): string => JSON.stringify(common.Record.toJSON(r));

export function projectFromRecord(r: ProjectRecord): ProjectRow {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    instructions: r.instructions,
    config: labeling.LabelConfig.fromJSON(JSON.parse(r.config)),
    tags: JSON.parse(r.tags) as Record<string, string>,
    createdAtMs: Number(r.created_at),
    updatedAtMs: Number(r.updated_at),
    createdBy: r.created_by,
  };
}

export function taskFromRecord(r: TaskRecord): TaskRow {
  return {
    id: r.id,
    projectId: r.project_id,
    seq: Number(r.seq),
    record: common.Record.fromJSON(JSON.parse(r.record)),
    source: r.source === null ? undefined : common.DatasetRef.fromJSON(JSON.parse(r.source)),
    required: Number(r.required),
    annotationCount: Number(r.done_count),
    reservedBy: r.reserved_by ?? '',
    reservedUntilMs: r.reserved_until === null ? 0 : Number(r.reserved_until),
    createdAtMs: Number(r.created_at),
    imageWidth: Number(r.image_width),
    imageHeight: Number(r.image_height),
    seedValue: decodeValue(r.seed_value),
  };
}

interface RevisionJson {
  value: unknown;
  leadTimeMs: number;
  skipped: boolean;
  createdAtMs: number;
}

export function encodeHistory(h: readonly AnnotationRevisionRow[]): string {
  return JSON.stringify(h.map((r) => ({ value: r.value ? labeling.AnnotationValue.toJSON(r.value) : null, leadTimeMs: r.leadTimeMs, skipped: r.skipped, createdAtMs: r.createdAtMs })));
}

export function annotationFromRecord(r: AnnotationRecord): AnnotationRow {
  const history = (JSON.parse(r.history) as RevisionJson[]).map((h) => ({
    value: h.value === null ? undefined : labeling.AnnotationValue.fromJSON(h.value),
    leadTimeMs: h.leadTimeMs,
    skipped: h.skipped,
    createdAtMs: h.createdAtMs,
  }));
  return {
    id: r.id,
    taskId: r.task_id,
    projectId: r.project_id,
    annotator: r.annotator,
    value: decodeValue(r.value),
    leadTimeMs: Number(r.lead_time_ms),
    skipped: Number(r.skipped) === 1,
    gold: Number(r.gold) === 1,
    fromPrelabel: Number(r.from_prelabel) === 1,
    prelabelModel: r.prelabel_model ? common.ModelRef.fromJSON(JSON.parse(r.prelabel_model)) : undefined,
    prelabelAccepted: Number(r.prelabel_accepted ?? 0) === 1,
    createdAtMs: Number(r.created_at),
    updatedAtMs: Number(r.updated_at),
    history,
  };
}
