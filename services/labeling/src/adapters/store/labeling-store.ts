/**
 * The LabelingStore on either database (through SqlPort). The queue's
 * invariant — a task never has more annotators than it requires — holds
 * because every claim and submission recounts inside one transaction under
 * the project's lock: done annotations plus other annotators' live
 * reservations must stay below the requirement.
 */
import { labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import type { AnnotationRow, AnnotationWrite, ClaimedTask, ImportedAnnotationWrite, LabelingStore, NewTask, ProjectCounts, ProjectRow, TaskFilter, TaskRow } from '../../domain/ports';
import {
  annotationFromRecord,
  encodeHistory,
  encodeRecord,
  encodeValue,
  projectFromRecord,
  taskFromRecord,
  type AnnotationRecord,
  type ProjectRecord,
  type TaskRecord,
} from './row-codec';
import { renameLabels } from '../../domain/rename-labels';
import type { SqlPort, SqlTx } from './sql-port';
import { common } from '@l1g1/contracts';
import type { QueueOrder } from '../../active-learning/queue-order';
import { SHUFFLE_MODULUS, type ShuffleKey } from '../../active-learning/random-order';
import { createPredictionStore } from './prediction-store';

/** ORDER BY of a queue order: most uncertain pre-label first, tasks without one last, then import order. */
function orderBy(order: QueueOrder | undefined, alias = 't'): string {
  if (!order || order === 'seq') return `${alias}.seq`;
  const col = `(SELECT p.${order} FROM labeling_predictions p WHERE p.task_id = ${alias}.id)`;
  return `${col} IS NULL, ${col} ${order === 'margin' ? 'ASC' : 'DESC'}, ${alias}.seq`;
}

/**
 * RANDOM's ORDER BY: the annotator's affine permutation of `seq` (random-order.ts).
 * The two numbers are integers this service computed, written into the SQL as
 * literals (no client text reaches it); CAST keeps the product in 64 bits on PostgreSQL.
 */
function shuffledOrder(key: ShuffleKey, alias = 't'): string {
  if (!Number.isSafeInteger(key.multiplier) || !Number.isSafeInteger(key.offset)) throw new Error('shuffle key must be integers');
  return `(CAST(${alias}.seq AS BIGINT) * ${key.multiplier} + ${key.offset}) % ${SHUFFLE_MODULUS}, ${alias}.seq`;
}

const encodeModel = (m: common.ModelRef | undefined): string | null => (m ? JSON.stringify(common.ModelRef.toJSON(m)) : null);

/** Slots of task `t` taken at $now by others than $who: done annotations and live reservations. */
const TAKEN = `(SELECT COUNT(*) FROM labeling_assignments a WHERE a.task_id = t.id AND a.annotator <> $who
  AND (a.state = 'done' OR (a.state = 'leased' AND a.lease_until > $now)))`;

/** Task columns plus its done count and live reservation at $now. */
const TASK_SELECT = `SELECT t.*,
  (SELECT COUNT(*) FROM labeling_assignments a WHERE a.task_id = t.id AND a.state = 'done') AS done_count,
  (SELECT a.annotator FROM labeling_assignments a WHERE a.task_id = t.id AND a.state = 'leased' AND a.lease_until > $now ORDER BY a.lease_until DESC LIMIT 1) AS reserved_by,
  (SELECT MAX(a.lease_until) FROM labeling_assignments a WHERE a.task_id = t.id AND a.state = 'leased' AND a.lease_until > $now) AS reserved_until
  FROM labeling_tasks t`;

/** Replaces named placeholders ($now, $who) by numbered ones after `offset`. */
function named(sql: string, names: Record<string, number>): string {
  return sql.replace(/\$(now|who)\b/g, (_m, n: string) => `$${names[n] ?? 0}`);
}

/** Tasks `who` may be given (not done or skipped by them, capacity left), in queue order. */
function availableWhere(projectParam: number, whoParam: number, nowParam: number): string {
  return named(
    `t.project_id = $${projectParam}
     AND NOT EXISTS (SELECT 1 FROM labeling_assignments m WHERE m.task_id = t.id AND m.annotator = $who AND m.state <> 'leased')
     AND ${TAKEN} < t.required`,
    { who: whoParam, now: nowParam },
  );
}

export function createLabelingStore(sql: SqlPort): LabelingStore {
  /** Adds tasks in order under the caller's project lock; a record already in the project is skipped. */
  const insertTasksIn = async (q: SqlTx, projectId: string, tasks: readonly NewTask[], nowMs: number): Promise<{ imported: number; skipped: number; insertedIds: string[] }> => {
    const p = await q.all<{ next_seq: string | number }>('SELECT next_seq FROM labeling_projects WHERE id = $1', [projectId]);
    if (!p[0]) throw errors.notFound(`project ${projectId}`, { reason: 'PROJECT_NOT_FOUND' });
    let seq = Number(p[0].next_seq);
    let imported = 0;
    const insertedIds: string[] = [];
    for (const t of tasks) {
      const n = await q.run(
        `INSERT INTO labeling_tasks (id, project_id, seq, record_id, record, source, required, image_width, image_height, seed_value, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (project_id, record_id) DO NOTHING`,
        [t.id, projectId, seq, t.record.id, encodeRecord(t.record), t.source ? JSON.stringify(t.source) : null, t.required, t.imageWidth, t.imageHeight, encodeValue(t.seedValue), nowMs],
      );
      if (n > 0) {
        imported++;
        insertedIds.push(t.id);
        seq++;
      }
    }
    await q.run('UPDATE labeling_projects SET next_seq = $2 WHERE id = $1', [projectId, seq]);
    return { imported, skipped: tasks.length - imported, insertedIds };
  };
  const getProjectIn = async (q: SqlTx, id: string): Promise<ProjectRow | undefined> => {
    const rows = await q.all<ProjectRecord>('SELECT * FROM labeling_projects WHERE id = $1', [id]);
    return rows[0] ? projectFromRecord(rows[0]) : undefined;
  };
  const countsIn = async (q: SqlTx, projectId: string): Promise<ProjectCounts> => {
    const rows = await q.all<{ tasks: string | number; completed: string | number; annotations: string | number }>(
      `SELECT
        (SELECT COUNT(*) FROM labeling_tasks WHERE project_id = $1) AS tasks,
        (SELECT COUNT(*) FROM labeling_tasks t WHERE t.project_id = $1
           AND (SELECT COUNT(*) FROM labeling_assignments a WHERE a.task_id = t.id AND a.state = 'done') >= t.required) AS completed,
        (SELECT COUNT(*) FROM labeling_annotations WHERE project_id = $1) AS annotations`,
      [projectId],
    );
    const r = rows[0];
    return { taskCount: Number(r?.tasks ?? 0), completedTaskCount: Number(r?.completed ?? 0), annotationCount: Number(r?.annotations ?? 0) };
  };
  const getTaskIn = async (q: SqlTx, id: string, nowMs: number): Promise<TaskRow | undefined> => {
    const rows = await q.all<TaskRecord>(`${named(TASK_SELECT, { now: 2 })} WHERE t.id = $1`, [id, nowMs]);
    return rows[0] ? taskFromRecord(rows[0]) : undefined;
  };
  const getAnnotationIn = async (q: SqlTx, id: string): Promise<AnnotationRow | undefined> => {
    const rows = await q.all<AnnotationRecord>('SELECT * FROM labeling_annotations WHERE id = $1', [id]);
    return rows[0] ? annotationFromRecord(rows[0]) : undefined;
  };
  const takenByOthers = async (q: SqlTx, taskId: string, who: string, nowMs: number): Promise<number> => {
    const rows = await q.all<{ n: string | number }>(`SELECT ${named(TAKEN, { who: 2, now: 3 })} AS n FROM labeling_tasks t WHERE t.id = $1`, [taskId, who, nowMs]);
    return Number(rows[0]?.n ?? 0);
  };

  return {
    ...createPredictionStore(sql),
    async insertProject(row) {
      await sql.run(
        `INSERT INTO labeling_projects (id, name, description, instructions, task_type, config, tags, created_at, updated_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          row.id,
          row.name,
          row.description,
          row.instructions,
          row.config.taskType,
          JSON.stringify(labeling.LabelConfig.toJSON(row.config)),
          JSON.stringify(row.tags),
          row.createdAtMs,
          row.updatedAtMs,
          row.createdBy,
        ],
      );
    },
    getProject: (id) => getProjectIn(sql, id),
    async listProjects({ query, taskType, afterId, limit }) {
      const rows = await sql.all<ProjectRecord>(
        `SELECT * FROM labeling_projects WHERE id > $1 AND ($2 = '' OR LOWER(name) LIKE $3) AND ($4 = 0 OR task_type = $4)
         ORDER BY id LIMIT $5`,
        [afterId, query, `%${query.toLowerCase().replace(/[%_\\]/g, '')}%`, taskType, limit],
      );
      return rows.map(projectFromRecord);
    },
    updateProject(id, change, renames) {
      return sql.transaction(async (q) => {
        await q.lockProject(id);
        const row = await getProjectIn(q, id);
        if (!row) return undefined;
        const next = change(row, await countsIn(q, id));
        await q.run(`UPDATE labeling_projects SET name = $2, description = $3, instructions = $4, config = $5, tags = $6, updated_at = $7 WHERE id = $1`, [
          id,
          next.name,
          next.description,
          next.instructions,
          JSON.stringify(labeling.LabelConfig.toJSON(next.config)),
          JSON.stringify(next.tags),
          next.updatedAtMs,
        ]);
        if (renames.size > 0) {
          const rows = await q.all<AnnotationRecord>('SELECT * FROM labeling_annotations WHERE project_id = $1', [id]);
          for (const r of rows) {
            const a = annotationFromRecord(r);
            const history = a.history.map((h) => ({ ...h, value: h.value && renameLabels(h.value, renames) }));
            await q.run('UPDATE labeling_annotations SET value = $2, history = $3 WHERE id = $1', [a.id, encodeValue(a.value && renameLabels(a.value, renames)), encodeHistory(history)]);
          }
        }
        return next;
      });
    },
    deleteProject(id, force) {
      return sql.transaction(async (q) => {
        await q.lockProject(id);
        if (!(await getProjectIn(q, id))) return undefined;
        const c = await countsIn(q, id);
        if (c.annotationCount > 0 && !force) {
          throw errors.failedPrecondition(`the project has ${c.annotationCount} annotations; pass force = true to delete them with it`, { reason: 'PROJECT_HAS_ANNOTATIONS' });
        }
        await q.run('DELETE FROM labeling_annotations WHERE project_id = $1', [id]);
        await q.run('DELETE FROM labeling_predictions WHERE project_id = $1', [id]);
        await q.run('DELETE FROM labeling_label_issues WHERE project_id = $1', [id]);
        await q.run('DELETE FROM labeling_assignments WHERE task_id IN (SELECT id FROM labeling_tasks WHERE project_id = $1)', [id]);
        await q.run('DELETE FROM labeling_tasks WHERE project_id = $1', [id]);
        await q.run('DELETE FROM labeling_projects WHERE id = $1', [id]);
        return { deletedTasks: c.taskCount, deletedAnnotations: c.annotationCount };
      });
    },
    counts: (projectId) => countsIn(sql, projectId),

    insertTasks(projectId, tasks: readonly NewTask[], nowMs) {
      return sql.transaction(async (q) => {
        await q.lockProject(projectId);
        return insertTasksIn(q, projectId, tasks, nowMs);
      });
    },
    importAnnotations(projectId, tasks: readonly NewTask[], annotations: readonly ImportedAnnotationWrite[], nowMs) {
      return sql.transaction(async (q) => {
        await q.lockProject(projectId);
        const { imported: tasksCreated } = await insertTasksIn(q, projectId, tasks, nowMs);
        let imported = 0;
        let unchanged = 0;
        for (const a of annotations) {
          const found = a.taskId
            ? await q.all<{ id: string }>('SELECT id FROM labeling_tasks WHERE project_id = $1 AND id = $2', [projectId, a.taskId])
            : await q.all<{ id: string }>('SELECT id FROM labeling_tasks WHERE project_id = $1 AND record_id = $2', [projectId, a.recordId]);
          const taskId = found[0]?.id;
          if (taskId === undefined) throw errors.invalidArgument(a.field, `names ${a.taskId ? `task ${a.taskId}` : `record ${a.recordId.slice(0, 100)}`}, which is not in this project`);
          const existing = (await q.all<AnnotationRecord>('SELECT * FROM labeling_annotations WHERE task_id = $1 AND annotator = $2', [taskId, a.annotator]))[0];
          if (existing) {
            const same = existing.value === encodeValue(a.value) && Number(existing.gold) === (a.gold ? 1 : 0) && Number(existing.skipped) === 0;
            if (!same) throw errors.alreadyExists(`${a.field}: a different annotation by ${a.annotator} on this task`, { field: a.field, reason: 'ANNOTATION_EXISTS', metadata: { annotation_id: existing.id } });
            unchanged++;
            continue;
          }
          await q.run(
            `INSERT INTO labeling_annotations (id, task_id, project_id, annotator, value, lead_time_ms, skipped, gold, from_prelabel, history, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 0, '[]', $8, $8)`,
            [a.id, taskId, projectId, a.annotator, encodeValue(a.value), a.leadTimeMs, a.gold ? 1 : 0, nowMs],
          );
          if (!a.gold) {
            await q.run(
              `INSERT INTO labeling_assignments (task_id, annotator, state, lease_until) VALUES ($1, $2, 'done', 0)
               ON CONFLICT (task_id, annotator) DO UPDATE SET state = EXCLUDED.state, lease_until = 0`,
              [taskId, a.annotator],
            );
          }
          imported++;
        }
        return { tasksCreated, imported, unchanged };
      });
    },
    deleteUntouchedTasks(projectId, ids) {
      return sql.transaction(async (q) => {
        await q.lockProject(projectId);
        let deleted = 0;
        // Bounded statements: 500 ids each.
        for (let i = 0; i < ids.length; i += 500) {
          const part = ids.slice(i, i + 500);
          const marks = part.map((_id, j) => `$${j + 2}`).join(', ');
          deleted += await q.run(
            `DELETE FROM labeling_tasks WHERE project_id = $1 AND id IN (${marks})
             AND NOT EXISTS (SELECT 1 FROM labeling_assignments a WHERE a.task_id = labeling_tasks.id)
             AND NOT EXISTS (SELECT 1 FROM labeling_annotations n WHERE n.task_id = labeling_tasks.id)`,
            [projectId, ...part],
          );
        }
        return deleted;
      });
    },
    getTask: (id, nowMs) => getTaskIn(sql, id, nowMs),
    async listTasks(f: TaskFilter) {
      const { TaskState } = labeling;
      const stateClause =
        f.state === TaskState.TASK_STATE_COMPLETED
          ? 'x.done_count >= x.required'
          : f.state === TaskState.TASK_STATE_RESERVED
            ? 'x.done_count < x.required AND x.reserved_by IS NOT NULL'
            : f.state === TaskState.TASK_STATE_OPEN
              ? 'x.done_count < x.required AND x.reserved_by IS NULL'
              : '1 = 1';
      const rows = await sql.all<TaskRecord>(
        `SELECT * FROM (${named(TASK_SELECT, { now: 5 })} WHERE t.project_id = $1 AND t.seq > $2
           AND ($3 = '' OR EXISTS (SELECT 1 FROM labeling_annotations n WHERE n.task_id = t.id AND n.annotator = $3))) x
         WHERE ${stateClause}${f.withPredictionOnly ? ' AND EXISTS (SELECT 1 FROM labeling_predictions p WHERE p.task_id = x.id)' : ''} ORDER BY ${orderBy(f.order, 'x')} LIMIT $4 OFFSET $6`,
        [f.projectId, f.afterSeq, f.annotator, f.limit, f.nowMs, f.offset ?? 0],
      );
      return rows.map(taskFromRecord);
    },
    claimNextTask(projectId, annotator, nowMs, reservationMs, order, shuffle): Promise<ClaimedTask | undefined> {
      return sql.transaction(async (q) => {
        await q.lockProject(projectId);
        const own = await q.all<{ id: string }>(
          `SELECT t.id FROM labeling_tasks t JOIN labeling_assignments a ON a.task_id = t.id
           WHERE t.project_id = $1 AND a.annotator = $2 AND a.state = 'leased' AND a.lease_until > $3 ORDER BY t.seq LIMIT 1`,
          [projectId, annotator, nowMs],
        );
        let id = own[0]?.id;
        if (id === undefined) {
          const next = await q.all<{ id: string }>(`SELECT t.id FROM labeling_tasks t WHERE ${availableWhere(1, 2, 3)} ORDER BY ${shuffle ? shuffledOrder(shuffle) : orderBy(order)} LIMIT 1`, [projectId, annotator, nowMs]);
          id = next[0]?.id;
          if (id === undefined) return undefined;
          await q.run(
            `INSERT INTO labeling_assignments (task_id, annotator, state, lease_until) VALUES ($1, $2, 'leased', $3)
             ON CONFLICT (task_id, annotator) DO UPDATE SET lease_until = EXCLUDED.lease_until WHERE labeling_assignments.state = 'leased'`,
            [id, annotator, nowMs + reservationMs],
          );
        }
        const remaining = await q.all<{ n: string | number }>(`SELECT COUNT(*) AS n FROM labeling_tasks t WHERE ${availableWhere(1, 2, 3)}`, [projectId, annotator, nowMs]);
        const task = await getTaskIn(q, id, nowMs);
        if (!task) return undefined;
        return { task, remaining: Number(remaining[0]?.n ?? 0) };
      });
    },

    async writeAnnotation(w: AnnotationWrite) {
      const head = await sql.all<{ project_id: string }>('SELECT project_id FROM labeling_tasks WHERE id = $1', [w.taskId]);
      const projectId = head[0]?.project_id;
      if (projectId === undefined) throw errors.notFound(`task ${w.taskId}`, { reason: 'TASK_NOT_FOUND' });
      return sql.transaction(async (q) => {
        await q.lockProject(projectId);
        const task = await getTaskIn(q, w.taskId, w.nowMs);
        if (!task) throw errors.notFound(`task ${w.taskId}`, { reason: 'TASK_NOT_FOUND' });
        const existing = (await q.all<AnnotationRecord>('SELECT * FROM labeling_annotations WHERE task_id = $1 AND annotator = $2', [w.taskId, w.annotator]))[0];
        const needsSlot = !w.gold && !w.skipped && (existing === undefined || Number(existing.skipped) === 1);
        if (needsSlot && (await takenByOthers(q, w.taskId, w.annotator, w.nowMs)) >= task.required) {
          throw errors.failedPrecondition(`task ${w.taskId} already has the ${task.required} annotator(s) it needs`, { reason: 'TASK_FULL' });
        }
        if (w.replaces !== '') {
          if (!existing || existing.id !== w.replaces) {
            throw errors.notFound(`annotation ${w.replaces} by ${w.annotator} on task ${w.taskId}`, { reason: 'ANNOTATION_NOT_FOUND' });
          }
          const before = annotationFromRecord(existing);
          const history = [...before.history, { value: before.value, leadTimeMs: before.leadTimeMs, skipped: before.skipped, createdAtMs: before.updatedAtMs }];
          await q.run(
            `UPDATE labeling_annotations SET value = $2, lead_time_ms = $3, skipped = $4, gold = $5, from_prelabel = $6, history = $7, updated_at = $8,
               prelabel_model = $9, prelabel_accepted = $10 WHERE id = $1`,
            [existing.id, encodeValue(w.value), w.leadTimeMs, w.skipped ? 1 : 0, w.gold ? 1 : 0, w.fromPrelabel ? 1 : 0, encodeHistory(history), w.nowMs, encodeModel(w.prelabelModel), w.prelabelAccepted ? 1 : 0],
          );
        } else {
          if (existing) {
            throw errors.alreadyExists(`an annotation by ${w.annotator} on task ${w.taskId}`, {
              reason: 'ANNOTATION_EXISTS',
              metadata: { annotation_id: existing.id },
            });
          }
          await q.run(
            `INSERT INTO labeling_annotations (id, task_id, project_id, annotator, value, lead_time_ms, skipped, gold, from_prelabel, history, created_at, updated_at, prelabel_model, prelabel_accepted)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]', $10, $10, $11, $12)`,
            [w.id, w.taskId, projectId, w.annotator, encodeValue(w.value), w.leadTimeMs, w.skipped ? 1 : 0, w.gold ? 1 : 0, w.fromPrelabel ? 1 : 0, w.nowMs, encodeModel(w.prelabelModel), w.prelabelAccepted ? 1 : 0],
          );
        }
        if (!w.gold) {
          await q.run(
            `INSERT INTO labeling_assignments (task_id, annotator, state, lease_until) VALUES ($1, $2, $3, 0)
             ON CONFLICT (task_id, annotator) DO UPDATE SET state = EXCLUDED.state, lease_until = 0`,
            [w.taskId, w.annotator, w.skipped ? 'skipped' : 'done'],
          );
        }
        const row = await getAnnotationIn(q, w.replaces !== '' ? w.replaces : w.id);
        if (!row) throw errors.internal('the annotation just written cannot be read back');
        return row;
      });
    },
    getAnnotation: (id) => getAnnotationIn(sql, id),
    async listAnnotations(f) {
      const rows = await sql.all<AnnotationRecord>(
        `SELECT * FROM labeling_annotations WHERE ($1 = '' OR project_id = $1) AND ($2 = '' OR task_id = $2) AND ($3 = '' OR annotator = $3) AND id > $4
         ORDER BY id LIMIT $5`,
        [f.projectId, f.taskId, f.annotator, f.afterId, f.limit],
      );
      return rows.map(annotationFromRecord);
    },
    async annotationsOfTasks(taskIds) {
      if (taskIds.length === 0) return [];
      const marks = taskIds.map((_t, i) => `$${i + 1}`).join(', ');
      const rows = await sql.all<AnnotationRecord>(`SELECT * FROM labeling_annotations WHERE task_id IN (${marks}) ORDER BY id`, taskIds);
      return rows.map(annotationFromRecord);
    },
    close: () => sql.close(),
  };
}
