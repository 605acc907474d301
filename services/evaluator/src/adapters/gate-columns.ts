/**
 * What the SQLite and PostgreSQL gate stores share: a decision's indexed
 * columns and the WHERE / ORDER of ListGateDecisions (only the placeholders
 * differ: `?` against `$n`), so both stores page and filter alike.
 */
import type { evaluator } from '@l1g1/contracts';
import { createSqlArgs } from './sql-args';

/** The columns a decision is listed by (types both engines accept); the key and JSON body columns differ per engine. */
export const DECISION_COLUMNS_SQL = `
     decision_id TEXT NOT NULL UNIQUE,
     gate_name TEXT NOT NULL,
     model_name TEXT NOT NULL,
     model_version INTEGER NOT NULL,`;

/** The filter of a decision list (empty strings and 0 mean "any"). */
export interface DecisionFilter {
  gateName?: string;
  modelName?: string;
  modelVersion?: number;
}

/** The columns a decision is found by, besides its JSON body. */
export function decisionColumns(d: evaluator.GateDecision): { decisionId: string; gateName: string; modelName: string; modelVersion: number } {
  return {
    decisionId: d.decisionId,
    gateName: d.gateName,
    modelName: d.model?.name ?? '',
    modelVersion: d.model?.selector?.$case === 'version' ? d.model.selector.value : 0,
  };
}

/**
 * `SELECT decision_json FROM <table> WHERE … ORDER BY seq DESC LIMIT …`,
 * newest first; `before` is the last decision id of the previous page (an
 * unknown id gives an empty page: its seq is NULL, so nothing compares
 * below it). `placeholder(n)` spells the n-th argument (1-based).
 */
export function decisionListQuery(
  table: string,
  filter: DecisionFilter,
  limit: number,
  before: string | undefined,
  placeholder: (n: number) => string,
): { sql: string; args: (string | number)[] } {
  const where: string[] = [];
  const { args, arg } = createSqlArgs(placeholder);
  if (filter.gateName) where.push(`gate_name = ${arg(filter.gateName)}`);
  if (filter.modelName) {
    where.push(`model_name = ${arg(filter.modelName)}`);
    if (filter.modelVersion) where.push(`model_version = ${arg(filter.modelVersion)}`);
  }
  if (before !== undefined) where.push(`seq < (SELECT seq FROM ${table} WHERE decision_id = ${arg(before)})`);
  const sql = `SELECT decision_json FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${arg(limit)}`;
  return { sql, args };
}
