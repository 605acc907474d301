/**
 * ImportTasks' domain: records (uploaded, or read from a snapshot) become
 * new tasks, each checked (size, id) and given its annotator requirement;
 * written in batches so a snapshot of any size streams through bounded memory.
 */
import { labeling, type common } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { createHash } from 'node:crypto';
import { newId } from './ids';
import { isImageTask } from './label-config';
import { requiredAnnotators } from './overlap';
import type { LabelingStore, NewTask, ProjectRow } from './ports';
import { recordImageSize, recordText } from './record-content';
import { seedValueOf } from './seed-label';

/** Tasks written per store transaction. */
export const IMPORT_BATCH = 500;

export interface ImportLimits {
  maxRecords: number;
  maxRecordBytes: number;
}

/** A uniform sample: keep a record when the hash of its id + seed falls under `fraction` (stable across retries). */
function sampleKeep(recordId: string, seed: number, fraction: number): boolean {
  const h = createHash('sha256').update(`${seed}:${recordId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
  return h < fraction;
}

/** Turns one record into a task for `project`; `field` names it in errors. */
export function toNewTask(project: ProjectRow, record: common.Record, source: common.DatasetRef | undefined, field: string, limits: ImportLimits, nowMs: number, labelField = ''): NewTask {
  if (record.data.length > limits.maxRecordBytes) throw errors.invalidArgument(`${field}.data`, `at most ${limits.maxRecordBytes} bytes per record`);
  const id = record.id !== '' ? record.id : createHash('sha256').update(record.data).digest('hex');
  if (id.length > 200) throw errors.invalidArgument(`${field}.id`, 'at most 200 characters');
  const type = project.config.taskType;
  if (type === labeling.TaskType.TASK_TYPE_NER && recordText(record) === undefined) {
    throw errors.invalidArgument(`${field}.content_type`, `an NER project needs text records, not ${record.contentType}`);
  }
  const size = isImageTask(type) ? recordImageSize(record) : { width: 0, height: 0 };
  const seedValue = labelField === '' ? undefined : seedValueOf(project.config, { ...record, id }, labelField, field);
  return {
    id: newId('tsk', nowMs),
    record: { ...record, id },
    source,
    required: requiredAnnotators(id, project.config.annotationsPerTask, project.config.overlapFraction ?? 1),
    imageWidth: size.width,
    imageHeight: size.height,
    seedValue,
  };
}

/**
 * Writes `records` as tasks in batches; answers imported / skipped counts.
 * When the import fails part way, the tasks it added (and nobody has touched
 * yet) are removed again: a refused import leaves the project as it was.
 */
export async function importRecords(
  store: LabelingStore,
  project: ProjectRow,
  batches: AsyncIterable<{ records: readonly common.Record[]; source: common.DatasetRef | undefined; total: number; field: (i: number) => string }>,
  options: { limits: ImportLimits; sampleSize: number; seed: number; now: () => number; labelField?: string },
): Promise<{ imported: number; skipped: number }> {
  let imported = 0;
  let skipped = 0;
  let seen = 0;
  let pending: NewTask[] = [];
  const added: string[] = [];
  // sample_size: a hash-uniform fraction of the total (known from the first batch), capped at the size.
  let fraction = 1;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const r = await store.insertTasks(project.id, pending, options.now());
    imported += r.imported;
    skipped += r.skipped;
    added.push(...r.insertedIds);
    pending = [];
  };
  try {
    for await (const batch of batches) {
      if (options.sampleSize > 0 && batch.total > 0 && seen === 0) fraction = Math.min(1, options.sampleSize / batch.total);
      for (let i = 0; i < batch.records.length; i++) {
        const record = batch.records[i];
        if (!record) continue;
        if (fraction < 1 && !sampleKeep(record.id, options.seed, fraction)) continue;
        if (options.sampleSize > 0 && seen >= options.sampleSize) break;
        if (++seen > options.limits.maxRecords) {
          throw errors.invalidArgument('sample_size', `one import adds at most ${options.limits.maxRecords} records; import a sample or filter by split`);
        }
        pending.push(toNewTask(project, record, batch.source, batch.field(i), options.limits, options.now(), options.labelField));
        if (pending.length >= IMPORT_BATCH) await flush();
      }
    }
    await flush();
  } catch (err: unknown) {
    if (added.length > 0) await store.deleteUntouchedTasks(project.id, added);
    throw err;
  }
  return { imported, skipped };
}
