/**
 * What the SQLite and PostgreSQL run stores share: the column layout of a
 * run row, its mapping back to an EvaluationRow, and the WHERE / ORDER of a
 * list (only the placeholders differ: `?` against `$n`).
 */
import type { JsonValue } from '@l1g1/kit';
import type { EvaluationFilter, EvaluationRow, EvaluationState } from '../domain/evaluations/evaluation-store';
import { createSqlArgs } from './sql-args';

/** A run row as either driver returns it: BIGINTs may come back as text, JSON as text (SQLite) or parsed (PostgreSQL JSONB). */
export interface RunColumns {
  run_id: string;
  model_name: string;
  model_version: number;
  precision: string;
  dataset: string;
  snapshot: number;
  split: string;
  state: string;
  created_at_ms: number | string;
  finished_at_ms: number | string | null;
  trace_id: string;
  records_evaluated: number | string;
  records_skipped: number | string;
  metrics: unknown;
  classification: unknown;
  token: unknown;
  predictions: unknown;
}

/** The column definitions after `run_id` (types that both engines accept). */
export const RUN_COLUMNS_SQL = `
     model_name TEXT NOT NULL,
     model_version INTEGER NOT NULL,
     precision TEXT NOT NULL,
     dataset TEXT NOT NULL,
     snapshot INTEGER NOT NULL,
     split TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at_ms BIGINT NOT NULL,
     finished_at_ms BIGINT,
     trace_id TEXT NOT NULL,
     records_evaluated BIGINT NOT NULL DEFAULT 0,
     records_skipped BIGINT NOT NULL DEFAULT 0`;

/** The row back; `json` reads a JSON column as the driver returned it. */
export function fromRunColumns(r: RunColumns, json: (value: unknown) => JsonValue): EvaluationRow {
  return {
    runId: r.run_id,
    modelName: r.model_name,
    modelVersion: r.model_version,
    precision: r.precision,
    dataset: r.dataset,
    snapshot: r.snapshot,
    split: r.split,
    state: r.state as EvaluationState,
    // Epoch milliseconds and counts fit a double exactly.
    createdAtMs: Number(r.created_at_ms),
    finishedAtMs: r.finished_at_ms === null ? undefined : Number(r.finished_at_ms),
    traceId: r.trace_id,
    recordsEvaluated: Number(r.records_evaluated),
    recordsSkipped: Number(r.records_skipped),
    metrics: json(r.metrics) as Record<string, number>,
    classification: json(r.classification),
    token: json(r.token),
    predictions: json(r.predictions),
  };
}

/** `SELECT * FROM <table> WHERE … ORDER BY … LIMIT …` of a list, with its arguments; `placeholder(n)` spells the n-th (1-based). */
export function listQuery(
  table: string,
  filter: EvaluationFilter,
  limit: number,
  before: { createdAtMs: number; runId: string } | undefined,
  placeholder: (n: number) => string,
): { sql: string; args: (string | number)[] } {
  const where: string[] = [];
  const { args, arg } = createSqlArgs(placeholder);
  if (filter.modelName !== undefined) {
    where.push(`model_name = ${arg(filter.modelName)}`);
    if (filter.modelVersion) where.push(`model_version = ${arg(filter.modelVersion)}`);
  }
  if (filter.dataset !== undefined) {
    where.push(`dataset = ${arg(filter.dataset)}`);
    if (filter.snapshot) where.push(`snapshot = ${arg(filter.snapshot)}`);
  }
  if (filter.state !== undefined) where.push(`state = ${arg(filter.state)}`);
  if (before) where.push(`(created_at_ms, run_id) < (${arg(before.createdAtMs)}, ${arg(before.runId)})`);
  const sql = `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms DESC, run_id DESC LIMIT ${arg(limit)}`;
  return { sql, args };
}
