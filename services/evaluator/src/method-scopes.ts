import type { MethodScopes } from '@l1g1/kit';

/**
 * What each EvaluatorService method needs (keys of the generated
 * definition): reads browse runs, gates and decisions; anything that starts
 * work, stores a run or a gate, or may move an alias is a write.
 */
export const EVALUATOR_METHOD_SCOPES: MethodScopes = {
  evaluate: 'write',
  getEvaluation: 'read',
  listEvaluations: 'read',
  // Stored like a run and loads the inference service: a write.
  benchmark: 'write',
  compareVariants: 'write',
  createGate: 'write',
  getGate: 'read',
  listGates: 'read',
  updateGate: 'write',
  deleteGate: 'write',
  // May move an alias in the registry: a write (the registry checks its own scope too).
  evaluateGate: 'write',
  listGateDecisions: 'read',
};
