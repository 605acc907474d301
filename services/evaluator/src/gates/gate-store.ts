/**
 * Stored gates and their decisions. Both are kept whole as the contract's
 * messages (proto JSON): they are read whole, listed by name or time, never
 * queried inside.
 */
import type { evaluator } from '@l1g1/contracts';

export interface GateStore {
  /** False when a gate of that name exists already. */
  create(gate: evaluator.Gate): Promise<boolean>;
  get(name: string): Promise<evaluator.Gate | undefined>;
  /** Name order; `after` is the last name of the previous page. */
  list(limit: number, after?: string): Promise<evaluator.Gate[]>;
  /**
   * Read-modify-write of one gate, atomic against every other writer (the
   * other replicas included): `change` gets the gate as stored now and
   * answers its new state, so two updates of different fields both land.
   * `change` may throw (a merged gate that is invalid): nothing is written.
   * Undefined when there is no such gate.
   */
  update(name: string, change: (current: evaluator.Gate) => evaluator.Gate): Promise<evaluator.Gate | undefined>;
  /** False when there is no such gate; its decisions stay (they are the audit trail). */
  delete(name: string): Promise<boolean>;
  /** Every decision is kept, concurrent ones included (a decision never writes the gate). */
  addDecision(decision: evaluator.GateDecision): Promise<void>;
  /**
   * Records a decision that moves an alias, ordered against every other
   * promotion under the same `aliasKey` (the model and alias), on any
   * replica: `promote` reads the alias, moves it and answers the decision,
   * all under a lock held until that decision is recorded. So the newest
   * promoted decision names the version the alias points at, and each names
   * the version it really replaced. Nothing is recorded when `promote` throws.
   */
  addPromotedDecision(aliasKey: string, promote: () => Promise<evaluator.GateDecision>): Promise<evaluator.GateDecision>;
  /** Newest first; `before` is the last decision id of the previous page. */
  listDecisions(filter: { gateName?: string; modelName?: string; modelVersion?: number }, limit: number, before?: string): Promise<evaluator.GateDecision[]>;
  close(): Promise<void>;
}
