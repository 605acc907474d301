/**
 * Gates and gate decisions in SQLite, in a file of their own under the
 * evaluator's data directory (`gates.db`): the evaluation runs' file keeps
 * its own migration sequence.
 */
import { evaluator } from '@l1g1/contracts';
import { openSqlite } from '@l1g1/kit';
import type { GateStore } from '../gates/gate-store';

const MIGRATIONS = [
  `CREATE TABLE gates (name TEXT PRIMARY KEY, gate_json TEXT NOT NULL);
   CREATE TABLE gate_decisions (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     decision_id TEXT NOT NULL UNIQUE,
     gate_name TEXT NOT NULL,
     model_name TEXT NOT NULL,
     model_version INTEGER NOT NULL,
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
  const update = db.prepare(`UPDATE gates SET gate_json = ? WHERE name = ?`);
  const remove = db.prepare(`DELETE FROM gates WHERE name = ?`);
  const addDecision = db.prepare(
    `INSERT INTO gate_decisions (decision_id, gate_name, model_name, model_version, decision_json) VALUES (?, ?, ?, ?, ?)`,
  );
  const seqOf = db.prepare(`SELECT seq FROM gate_decisions WHERE decision_id = ?`);
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
    async replace(gate) {
      return update.run(toJson(gate), gate.name).changes === 1;
    },
    async delete(name) {
      return remove.run(name).changes === 1;
    },
    async addDecision(d) {
      addDecision.run(d.decisionId, d.gateName, d.model?.name ?? '', d.model?.selector?.$case === 'version' ? d.model.selector.value : 0, JSON.stringify(evaluator.GateDecision.toJSON(d)));
    },
    async listDecisions(filter, limit, before) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (filter.gateName) {
        where.push('gate_name = ?');
        args.push(filter.gateName);
      }
      if (filter.modelName) {
        where.push('model_name = ?');
        args.push(filter.modelName);
        if (filter.modelVersion) {
          where.push('model_version = ?');
          args.push(filter.modelVersion);
        }
      }
      if (before !== undefined) {
        const seq = (seqOf.get(before) as { seq: number } | undefined)?.seq ?? 0;
        where.push('seq < ?');
        args.push(seq);
      }
      const sql = `SELECT decision_json FROM gate_decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
      return (db.prepare(sql).all(...args, limit) as { decision_json: string }[]).map((r) => evaluator.GateDecision.fromJSON(JSON.parse(r.decision_json)));
    },
    async close() {
      db.close();
    },
  };
}
