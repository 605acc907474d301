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
  /** False when there is no such gate. */
  replace(gate: evaluator.Gate): Promise<boolean>;
  /** False when there is no such gate; its decisions stay (they are the audit trail). */
  delete(name: string): Promise<boolean>;
  addDecision(decision: evaluator.GateDecision): Promise<void>;
  /** Newest first; `before` is the last decision id of the previous page. */
  listDecisions(filter: { gateName?: string; modelName?: string; modelVersion?: number }, limit: number, before?: string): Promise<evaluator.GateDecision[]>;
  close(): Promise<void>;
}
