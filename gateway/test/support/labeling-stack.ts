/**
 * Test fixture: real ingestion, labeling and gateway processes' worth of
 * services in this process (gRPC on 127.0.0.1:0, SQLite in one temporary data
 * directory), with API keys for an admin, a reader and two annotate-only
 * annotators (`alice`, `bob`).
 */
import { join } from 'node:path';
import { createSilentLogger, createSqliteKeyStore, issueApiKey } from '@l1g1/kit';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@l1g1/gateway';
import { startTestIngestion, TEST_INTERNAL_SECRET, type TestIngestion } from '../../../services/ingestion/test/support/start-ingestion';
import { startTestLabeling, type TestLabeling } from '../../../services/labeling/test/support/start-labeling';

export interface LabelingStack {
  ingestion: TestIngestion;
  labeling: TestLabeling;
  gateway: RunningGateway;
  /** Authorization headers by key name. */
  keys: { admin: Record<string, string>; reader: Record<string, string>; alice: Record<string, string>; bob: Record<string, string> };
  /** The plaintext keys (the page signs in with them). */
  plain: { admin: string; alice: string; bob: string };
  close(): Promise<void>;
}

/**
 * `labelingEnv` reaches the labeling service only: e.g. L1G1_REGISTRY_ADDR
 * and L1G1_INFERENCE_ADDR of a model stack started with the same internal
 * secret (TEST_INTERNAL_SECRET), for pre-labels from a served model.
 */
export async function startLabelingStack(gatewayEnv: Record<string, string> = {}, labelingEnv: Record<string, string> = {}): Promise<LabelingStack> {
  const ingestion = await startTestIngestion();
  const labeling = await startTestLabeling({ ingestionAddress: ingestion.service.address, dataDir: ingestion.dataDir, internalSecret: TEST_INTERNAL_SECRET, env: labelingEnv });
  const store = createSqliteKeyStore(join(ingestion.dataDir, 'auth', 'keys.db'));
  const reader = (await issueApiKey(store, { name: 'reader', scopes: ['read'] })).plaintext;
  const alice = (await issueApiKey(store, { name: 'alice', scopes: ['annotate'] })).plaintext;
  const bob = (await issueApiKey(store, { name: 'bob', scopes: ['annotate'] })).plaintext;
  store.close();
  const gateway = await startGateway(
    loadGatewayConfig({
      L1G1_DATA_DIR: ingestion.dataDir,
      L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      L1G1_GATEWAY_PORT: '0',
      L1G1_INGESTION_ADDR: ingestion.service.address,
      L1G1_LABELING_ADDR: labeling.service.address,
      L1G1_SSE_HEARTBEAT_MS: '200',
      L1G1_LABELING_PROGRESS_MS: '100',
      ...gatewayEnv,
    }),
    { logger: createSilentLogger() },
  );
  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
  return {
    ingestion,
    labeling,
    gateway,
    keys: { admin: bearer(ingestion.adminKey), reader: bearer(reader), alice: bearer(alice), bob: bearer(bob) },
    plain: { admin: ingestion.adminKey, alice, bob },
    async close() {
      await gateway.stop();
      await labeling.close();
      await ingestion.close();
    },
  };
}
