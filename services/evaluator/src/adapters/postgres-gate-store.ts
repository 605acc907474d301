/**
 * Gates and gate decisions in PostgreSQL (scaled mode, `L1G1_DATABASE_URL`):
 * the twin of the SQLite gate store, so a gate created on one evaluator
 * replica is listed, updated and decided on every other. Gates and decisions
 * are proto JSON in JSONB columns, read whole; decisions carry the columns
 * they are listed by. Its own migration sequence (component
 * `evaluator-gates`), as the SQLite store keeps its own file. An unreachable
 * database answers UNAVAILABLE (kit's `withPostgresOutages`).
 */
import { evaluator } from '@l1g1/contracts';
import { createKeyedLock, openPostgres, withPostgresOutages, withTransaction, type PostgresClient } from '@l1g1/kit';
import type { GateStore } from '../gates/gate-store';
import { DECISION_COLUMNS_SQL, decisionColumns, decisionListQuery } from './gate-columns';

const MIGRATIONS = [
  `CREATE TABLE evaluator_gates (name TEXT PRIMARY KEY, gate_json JSONB NOT NULL);
   CREATE TABLE evaluator_gate_decisions (
     seq BIGSERIAL PRIMARY KEY,${DECISION_COLUMNS_SQL}
     decision_json JSONB NOT NULL
   );
   CREATE INDEX evaluator_gate_decisions_by_gate ON evaluator_gate_decisions (gate_name, seq DESC);
   CREATE INDEX evaluator_gate_decisions_by_model ON evaluator_gate_decisions (model_name, model_version, seq DESC);`,
];

// JSONB comes back parsed; proto JSON in, proto JSON out.
const toJson = (g: evaluator.Gate): string => JSON.stringify(evaluator.Gate.toJSON(g));
const fromJson = (v: unknown): evaluator.Gate => evaluator.Gate.fromJSON(v);

const INSERT_DECISION = 'INSERT INTO evaluator_gate_decisions (decision_id, gate_name, model_name, model_version, decision_json) VALUES ($1, $2, $3, $4, $5)';

function decisionArgs(d: evaluator.GateDecision): (string | number)[] {
  const c = decisionColumns(d);
  return [c.decisionId, c.gateName, c.modelName, c.modelVersion, JSON.stringify(evaluator.GateDecision.toJSON(d))];
}

async function recordPromoted(client: PostgresClient, aliasKey: string, promote: () => Promise<evaluator.GateDecision>): Promise<evaluator.GateDecision> {
  // A transaction-scoped advisory lock: held until COMMIT, i.e. until this decision is recorded, so the
  // next promotion of the alias (any replica) reads the alias this one set and is recorded after it.
  await client.query("SELECT pg_advisory_xact_lock(hashtext('l1g1-evaluator-promotion'), hashtext($1))", [aliasKey]);
  const d = await promote();
  await client.query(INSERT_DECISION, decisionArgs(d));
  return d;
}

export async function openPostgresGateStore(url: string, options: { maxConnections?: number } = {}): Promise<GateStore> {
  // A promotion holds one connection (its lock) while its registry calls run (bounded by their deadlines).
  const pool = await openPostgres(url, MIGRATIONS, { component: 'evaluator-gates', maxConnections: options.maxConnections ?? 4 });
  // Promotions of one alias queue in this process before taking a connection, so a burst of them
  // waits here, not holding every pooled connection while reads of gates starve.
  const localPromotions = createKeyedLock();
  const store: GateStore = {
    async create(gate) {
      const r = await pool.query('INSERT INTO evaluator_gates (name, gate_json) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [gate.name, toJson(gate)]);
      return r.rowCount === 1;
    },
    async get(name) {
      const r = (await pool.query<{ gate_json: unknown }>('SELECT gate_json FROM evaluator_gates WHERE name = $1', [name])).rows[0];
      return r ? fromJson(r.gate_json) : undefined;
    },
    async list(limit, after) {
      const r = after === undefined
        ? await pool.query<{ gate_json: unknown }>('SELECT gate_json FROM evaluator_gates ORDER BY name LIMIT $1', [limit])
        : await pool.query<{ gate_json: unknown }>('SELECT gate_json FROM evaluator_gates WHERE name > $1 ORDER BY name LIMIT $2', [after, limit]);
      return r.rows.map((row) => fromJson(row.gate_json));
    },
    async update(name, change) {
      // The row lock makes a second replica's update wait and then merge into this one's result, not overwrite it.
      return withTransaction(pool, async (client) => {
        const r = (await client.query<{ gate_json: unknown }>('SELECT gate_json FROM evaluator_gates WHERE name = $1 FOR UPDATE', [name])).rows[0];
        if (!r) return undefined;
        const next = change(fromJson(r.gate_json));
        await client.query('UPDATE evaluator_gates SET gate_json = $2 WHERE name = $1', [name, toJson(next)]);
        return next;
      });
    },
    async delete(name) {
      return (await pool.query('DELETE FROM evaluator_gates WHERE name = $1', [name])).rowCount === 1;
    },
    async addDecision(d) {
      await pool.query(INSERT_DECISION, decisionArgs(d));
    },
    async addPromotedDecision(aliasKey, promote) {
      return localPromotions.run(aliasKey, () => withTransaction(pool, (client) => recordPromoted(client, aliasKey, promote)));
    },
    async listDecisions(filter, limit, before) {
      const { sql, args } = decisionListQuery('evaluator_gate_decisions', filter, limit, before, (n) => `$${n}`);
      return (await pool.query<{ decision_json: unknown }>(sql, args)).rows.map((r) => evaluator.GateDecision.fromJSON(r.decision_json));
    },
    async close() {
      await pool.end();
    },
  };
  return withPostgresOutages(store, 'the evaluator gate database');
}
