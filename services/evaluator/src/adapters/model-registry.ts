/**
 * The evaluator's client of the model registry: resolves a `name@alias` or
 * version to one version (with its artifacts' signatures and tags), reads
 * the model's task, and merges evaluation metrics into the version.
 */
import { registry, type common } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';

export interface ModelRegistry {
  /** NOT_FOUND (a client fault) when the model, version or alias does not exist. */
  resolve(ref: common.ModelRef): Promise<registry.ModelVersion>;
  /** The model's free-form task label ('' when unset). */
  task(modelName: string): Promise<string>;
  /** Merges `metrics` into the version's metrics. */
  recordMetrics(modelName: string, version: number, metrics: Record<string, number>): Promise<void>;
  /** Merges `tags` into the version's tags (variant usability). */
  recordTags(modelName: string, version: number, tags: Record<string, string>): Promise<void>;
}

/** Metadata reads and a small write: all quick. */
const REGISTRY_DEADLINE_MS = 10_000;

export function createModelRegistry(client: registry.ModelRegistryServiceClient): ModelRegistry {
  return {
    async resolve(ref) {
      return unary(client.resolveModel.bind(client), ref, { deadlineMs: REGISTRY_DEADLINE_MS });
    },
    async task(modelName) {
      const model = await unary(client.getModel.bind(client), { name: modelName }, { deadlineMs: REGISTRY_DEADLINE_MS });
      return model.task;
    },
    async recordMetrics(modelName, version, metrics) {
      await unary(client.updateVersion.bind(client), registry.UpdateVersionRequest.fromPartial({ modelName, version, metrics }), { deadlineMs: REGISTRY_DEADLINE_MS });
    },
    async recordTags(modelName, version, tags) {
      await unary(client.updateVersion.bind(client), registry.UpdateVersionRequest.fromPartial({ modelName, version, tags }), { deadlineMs: REGISTRY_DEADLINE_MS });
    },
  };
}
