/**
 * Moves an alias in the registry on behalf of the caller of EvaluateGate:
 * the request carries a principal named after that caller, signed with the
 * suite's internal secret, so the registry's alias audit log names who asked
 * for the promotion, not "evaluator".
 */
import { registry } from '@l1g1/contracts';
import { forwardedPrincipalMetadata, unary, type Principal } from '@l1g1/kit';

export interface AliasMover {
  /** The alias event the registry recorded. */
  setAlias(modelName: string, alias: string, version: number, actor: string): Promise<registry.AliasEvent>;
}

const REGISTRY_DEADLINE_MS = 10_000;

export function createAliasMover(client: registry.ModelRegistryServiceClient, internalSecret: string): AliasMover {
  return {
    async setAlias(modelName, alias, version, actor) {
      // Write scope only, limited to this model: the gate decided, the caller is named.
      const principal: Principal = { id: 'service:evaluator', name: actor, scopes: ['read', 'write'], modelPatterns: [modelName], qps: 0, anonymous: false };
      return unary(client.setAlias.bind(client), { modelName, alias, version }, { deadlineMs: REGISTRY_DEADLINE_MS, metadata: forwardedPrincipalMetadata(principal, internalSecret) });
    },
  };
}
