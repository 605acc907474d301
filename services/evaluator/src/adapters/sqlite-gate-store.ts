/**
 * Gates and gate decisions in SQLite, in a file of their own under the
 * evaluator's data directory (`gates.db`): the evaluation runs' file keeps
 * its own migration sequence.
 */
import { evaluator } from '@l1g1/contracts';
import { createKeyedLock, openSqlite } from '@l1g1/kit';
import type { GateStore } from '../gates/gate-store';
import { DECISION_COLUMNS_SQL, decisionColumns, decisionListQuery } from './gate-columns';

const MIGRATIONS = [
  `CREATE TABLE gates (name TEXT PRIMARY KEY, gate_json TEXT NOT NULL);
   CREATE TABLE gate_decisions (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,${DECISION_COLUMNS_SQL}
     decision_json TEXT NOT NULL
   );
   CREATE INDEX gate_decisions_by_gate ON gate_decisions (gate_name, seq DESC);
   CREATE INDEX gate_decisions_by_model ON gate_decisions (model_name, model_version, seq DESC);`,
];

const toJson = (g: evaluator.Gate) => JSON.stringify(evaluator.Gate.toJSON(g));
const fromJson = (s: string) => evaluator.Gate.fromJSON(JSON.parse(s));

export function openSqliteGateStore(path: string): GateStore {
  const db = openSqlite(path, MIGRATIONS);
  const insert = db.prepare(`INSERT OR IGNORE INTO gates (name, gate_json) VALUES (?, ?)`);
  const get = db.prepare(`SELECT gate_json FROM gates WHERE name = ?`);
  const write = db.prepare(`UPDATE gates SET gate_json = ? WHERE name = ?`);
  const remove = db.prepare(`DELETE FROM gates WHERE name = ?`);
  const addDecision = db.prepare(
    `INSERT INTO gate_decisions (decision_id, gate_name, model_name, model_version, decision_json) VALUES (@decisionId, @gateName, @modelName, @modelVersion, @json)`,
  );
  // One synchronous transaction: no other writer of this file (this process's or another's) interleaves.
  const update = db.transaction((name: string, change: (current: evaluator.Gate) => evaluator.Gate): evaluator.Gate | undefined => {
    const r = get.get(name) as { gate_json: string } | undefined;
    if (!r) return undefined;
    const next = change(fromJson(r.gate_json));
    write.run(toJson(next), name);
    return next;
  });
  // Embedded mode: one process owns the file, so an in-process lock orders its promotions.
  const promotions = createKeyedLock();
  const record = (d: evaluator.GateDecision): void => {
    addDecision.run({ ...decisionColumns(d), json: JSON.stringify(evaluator.GateDecision.toJSON(d)) });
  };
  return {
    async create(gate) {
      return insert.run(gate.name, toJson(gate)).changes === 1;
    },
    async get(name) {
      const r = get.get(name) as { gate_json: string } | undefined;
      return r ? fromJson(r.gate_json) : undefined;
    },
    async list(limit, after) {
      const rows = (after === undefined
        ? db.prepare(`SELECT gate_json FROM gates ORDER BY name LIMIT ?`).all(limit)
        : db.prepare(`SELECT gate_json FROM gates WHERE name > ? ORDER BY name LIMIT ?`).all(after, limit)) as { gate_json: string }[];
      return rows.map((r) => fromJson(r.gate_json));
    },
    async update(name, change) {
      return update.immediate(name, change);
    },
    async delete(name) {
      return remove.run(name).changes === 1;
    },
    async addDecision(d) {
      record(d);
    },
    async addPromotedDecision(aliasKey, promote) {
      return promotions.run(aliasKey, async () => {
        const d = await promote();
        record(d);
        return d;
      });
    },
    async listDecisions(filter, limit, before) {
      const { sql, args } = decisionListQuery('gate_decisions', filter, limit, before, () => '?');
      return (db.prepare(sql).all(...args) as { decision_json: string }[]).map((r) => evaluator.GateDecision.fromJSON(JSON.parse(r.decision_json)));
    },
    async close() {
      db.close();
    },
  };
}
