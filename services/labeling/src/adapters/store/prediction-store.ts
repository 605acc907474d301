/**
 * PredictionStore on either database (through SqlPort): pre-labels keyed by
 * task (a newer run replaces the row, so the queue always ranks by the
 * latest model) and the open label issues of a project.
 */
import { common } from '@l1g1/contracts';
import type { PredictionRow, PredictionStore } from '../../domain/prediction-ports';
import { decodeValue, encodeValue } from './row-codec';
import type { SqlPort } from './sql-port';

interface PredictionRecord {
  task_id: string;
  project_id: string;
  model_name: string;
  model_version: string | number;
  value: string | null;
  class_scores: string;
  score: string | number;
  least_confidence: string | number;
  margin: string | number;
  entropy: string | number;
  job_id: string;
  created_at: string | number;
}

interface IssueRecord {
  task_id: string;
  project_id: string;
  evidence: string;
  found_at: string | number;
  seq: string | number;
}

function predictionFromRecord(r: PredictionRecord): PredictionRow {
  return {
    taskId: r.task_id,
    projectId: r.project_id,
    modelName: r.model_name,
    modelVersion: Number(r.model_version),
    value: decodeValue(r.value),
    classScores: JSON.parse(r.class_scores) as Record<string, number>,
    score: Number(r.score),
    leastConfidence: Number(r.least_confidence),
    margin: Number(r.margin),
    entropy: Number(r.entropy),
    jobId: r.job_id,
    createdAtMs: Number(r.created_at),
  };
}

function marks(n: number, from = 1): string {
  return Array.from({ length: n }, (_v, i) => `$${i + from}`).join(', ');
}

export function createPredictionStore(sql: SqlPort): PredictionStore {
  return {
    async upsertPredictions(rows) {
      if (rows.length === 0) return;
      await sql.transaction(async (q) => {
        for (const r of rows) {
          await q.run(
            `INSERT INTO labeling_predictions (task_id, project_id, model_name, model_version, value, class_scores, score, least_confidence, margin, entropy, job_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (task_id) DO UPDATE SET model_name = EXCLUDED.model_name, model_version = EXCLUDED.model_version, value = EXCLUDED.value,
               class_scores = EXCLUDED.class_scores, score = EXCLUDED.score, least_confidence = EXCLUDED.least_confidence, margin = EXCLUDED.margin,
               entropy = EXCLUDED.entropy, job_id = EXCLUDED.job_id, created_at = EXCLUDED.created_at`,
            [
              r.taskId,
              r.projectId,
              r.modelName,
              r.modelVersion,
              encodeValue(r.value),
              JSON.stringify(r.classScores),
              r.score,
              r.leastConfidence,
              r.margin,
              r.entropy,
              r.jobId,
              r.createdAtMs,
            ],
          );
        }
      });
    },
    async predictionsOfTasks(taskIds) {
      const out = new Map<string, PredictionRow>();
      if (taskIds.length === 0) return out;
      const rows = await sql.all<PredictionRecord>(`SELECT * FROM labeling_predictions WHERE task_id IN (${marks(taskIds.length)})`, taskIds);
      for (const r of rows) out.set(r.task_id, predictionFromRecord(r));
      return out;
    },
    async projectPredictions(projectId) {
      const rows = await sql.all<PredictionRecord>(
        'SELECT p.* FROM labeling_predictions p JOIN labeling_tasks t ON t.id = p.task_id WHERE p.project_id = $1 ORDER BY t.seq',
        [projectId],
      );
      return rows.map(predictionFromRecord);
    },
    async hasPredictions(projectId) {
      const rows = await sql.all<{ one: number }>('SELECT 1 AS one FROM labeling_predictions WHERE project_id = $1 LIMIT 1', [projectId]);
      return rows.length > 0;
    },
    async annotatedTaskIds(taskIds) {
      if (taskIds.length === 0) return new Set();
      const rows = await sql.all<{ task_id: string }>(`SELECT DISTINCT task_id FROM labeling_annotations WHERE task_id IN (${marks(taskIds.length)})`, taskIds);
      return new Set(rows.map((r) => r.task_id));
    },
    async replaceLabelIssues(projectId, rows) {
      await sql.transaction(async (q) => {
        await q.run('DELETE FROM labeling_label_issues WHERE project_id = $1', [projectId]);
        for (const r of rows) {
          const evidence = {
            given_label: r.givenLabel,
            suggested_label: r.suggestedLabel,
            given_probability: r.givenProbability,
            suggested_probability: r.suggestedProbability,
            suggested_threshold: r.suggestedThreshold,
            model: r.model ? common.ModelRef.toJSON(r.model) : null,
          };
          await q.run('INSERT INTO labeling_label_issues (task_id, project_id, evidence, found_at) VALUES ($1, $2, $3, $4)', [r.taskId, projectId, JSON.stringify(evidence), r.foundAtMs]);
        }
      });
    },
    async listLabelIssues(projectId, afterSeq, limit) {
      const rows = await sql.all<IssueRecord>(
        `SELECT i.*, t.seq FROM labeling_label_issues i JOIN labeling_tasks t ON t.id = i.task_id
         WHERE i.project_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3`,
        [projectId, afterSeq, limit],
      );
      return rows.map((r) => {
        const e = JSON.parse(r.evidence) as {
          given_label: string;
          suggested_label: string;
          given_probability: number;
          suggested_probability: number;
          suggested_threshold: number;
          model: unknown;
        };
        return {
          seq: Number(r.seq),
          issue: {
            taskId: r.task_id,
            projectId: r.project_id,
            givenLabel: e.given_label,
            suggestedLabel: e.suggested_label,
            givenProbability: e.given_probability,
            suggestedProbability: e.suggested_probability,
            suggestedThreshold: e.suggested_threshold,
            model: e.model === null ? undefined : common.ModelRef.fromJSON(e.model),
            foundAtMs: Number(r.found_at),
          },
        };
      });
    },
  };
}
