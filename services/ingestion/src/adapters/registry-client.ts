/**
 * The ingestion service's client of the model registry: only what it asks
 * the registry, a model version's tags (the confidence filter reads
 * `class_names` there when the request names no classes). The same kit gRPC
 * client the inference service uses, with this service's signed identity.
 */
import { registry } from '@l1g1/contracts';
import { createGrpcClient, type ClientOptions, unary } from '@l1g1/kit';

export interface RegistryClient {
  /** The tags of `name` version `version` (NOT_FOUND when there is no such version). */
  versionTags(name: string, version: number): Promise<Record<string, string>>;
  close(): void;
}

export function createRegistryClient(address: string, clientOptions: ClientOptions = {}): RegistryClient {
  const client = createGrpcClient(registry.ModelRegistryServiceClient, address, { defaultDeadlineMs: 10_000, ...clientOptions });
  return {
    async versionTags(name, version) {
      const v = await unary(client.getVersion.bind(client), { modelName: name, version });
      return { ...v.tags };
    },
    close: () => client.close(),
  };
}
