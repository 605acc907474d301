import { generateApiKey } from './api-key';
import type { ApiKeyRecord, KeyStore } from './key-store';
import type { Scope } from './scopes';

export interface ApiKeyRequest {
  name: string;
  scopes: readonly Scope[];
  modelPatterns?: readonly string[];
  qps?: number;
}

/**
 * Creates a key in `store` and returns it with its plaintext, which exists
 * only in this return value (the store keeps the hash). Used by the key
 * route, the launcher's first admin key and test fixtures.
 */
export async function issueApiKey(store: KeyStore, request: ApiKeyRequest): Promise<{ record: ApiKeyRecord; plaintext: string }> {
  const generated = generateApiKey();
  const record = await store.create({
    id: generated.id,
    secretHash: generated.secretHash,
    name: request.name,
    scopes: request.scopes,
    modelPatterns: request.modelPatterns ?? [],
    qps: request.qps ?? 0,
  });
  return { record, plaintext: generated.plaintext };
}
