/**
 * Test fixture used by every ingestion test: a real ingestion service on
 * 127.0.0.1:0 over a fresh temporary data directory (SQLite metadata and
 * jobs, file blobs), with a generated client presenting an admin API key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestion } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, createSqliteKeyStore, issueApiKey } from '@l1g1/kit';
import { loadIngestionConfig, startIngestion, type IngestionConfig, type IngestionDeps, type RunningIngestion } from '../../src/index';

export type IngestionClient = ingestion.IngestionServiceClient;

/** The internal secret test services run with (so tests can act as the gateway does). */
export const TEST_INTERNAL_SECRET = 'ingestion-tests-internal-secret';

export interface TestIngestion {
  service: RunningIngestion;
  /** A client presenting an admin API key. */
  client: IngestionClient;
  adminKey: string;
  config: IngestionConfig;
  deps: IngestionDeps;
  dataDir: string;
  /** Stops the server, closes the client, removes the data directory. */
  close(): Promise<void>;
}

export interface StartTestIngestionOptions {
  /** Extra environment (L1G1_INGESTION_MAX_UPLOAD_BYTES ...). */
  env?: Record<string, string>;
  /** Registers extra job handlers etc. before the worker starts. */
  compose?: (deps: IngestionDeps) => void;
}

/** Starts an ingestion service on a free port over a fresh temporary data directory. */
export async function startTestIngestion(options: StartTestIngestionOptions = {}): Promise<TestIngestion> {
  const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-ingestion-test-'));
  const config = loadIngestionConfig({
    L1G1_DATA_DIR: dataDir,
    L1G1_INGESTION_ADDR: '127.0.0.1:0',
    L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    ...options.env,
  });
  const keys = createSqliteKeyStore(config.auth.keyDbPath);
  const adminKey = (await issueApiKey(keys, { name: 'tests', scopes: ['admin'] })).plaintext;
  keys.close();
  const service = await startIngestion(config, { logger: createSilentLogger(), ...(options.compose ? { compose: options.compose } : {}) });
  const client = createGrpcClient(ingestion.IngestionServiceClient, service.address, { identity: { apiKey: adminKey } });
  return {
    service,
    client,
    adminKey,
    config,
    deps: service.deps,
    dataDir,
    async close() {
      client.close();
      await service.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
