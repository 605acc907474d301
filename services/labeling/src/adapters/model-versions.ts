/**
 * The labeling service's client of the model registry: a `name@alias` (or a
 * version) resolved to one version, its artifacts' signatures and tags, so a
 * pre-label run is pinned to the version current when it starts.
 */
import { registry, type common } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';

export interface ModelVersions {
  /** NOT_FOUND (a client fault) when the model, version or alias does not exist. */
  resolve(ref: common.ModelRef): Promise<registry.ModelVersion>;
}

/** A metadata read: quick. */
const REGISTRY_DEADLINE_MS = 10_000;

export function createModelVersions(client: registry.ModelRegistryServiceClient): ModelVersions {
  return {
    resolve: (ref) => unary(client.resolveModel.bind(client), ref, { deadlineMs: REGISTRY_DEADLINE_MS }),
  };
}
