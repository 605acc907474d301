/**
 * Test fixture: a real labeling service on 127.0.0.1:0 over a fresh temporary
 * data directory (SQLite, or PostgreSQL when `databaseUrl` is given), with a
 * client presenting an admin API key and a clock the test can move.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labeling } from '@l1g1/contracts';
import { createGrpcClient, createLogger, createSilentLogger, issueApiKey, openKeyStore } from '@l1g1/kit';
import { loadLabelingConfig, startLabeling, type RunningLabeling } from '../../src/index';

export type LabelingClient = labeling.LabelingServiceClient;

export interface TestLabeling {
  service: RunningLabeling;
  client: LabelingClient;
  /** Moves the service's clock forward (reservations expire without waiting). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface StartTestLabelingOptions {
  ingestionAddress?: string;
  dataDir?: string;
  internalSecret?: string;
  databaseUrl?: string;
  env?: Record<string, string>;
}

export async function startTestLabeling(options: StartTestLabelingOptions = {}): Promise<TestLabeling> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'l1g1-labeling-test-'));
  const config = loadLabelingConfig({
    L1G1_DATA_DIR: dataDir,
    L1G1_LABELING_ADDR: '127.0.0.1:0',
    L1G1_INTERNAL_SECRET: options.internalSecret ?? 'labeling-tests-internal-secret',
    // Port 9 (discard): a call there fails fast instead of reaching a developer's own services.
    L1G1_INGESTION_ADDR: options.ingestionAddress ?? '127.0.0.1:9',
    ...(options.databaseUrl ? { L1G1_DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  // The service's own key store (SQLite, or PostgreSQL with a database URL).
  const keys = await openKeyStore(config.auth);
  const adminKey = (await issueApiKey(keys, { name: 'tests', scopes: ['admin'] })).plaintext;
  await keys.close();
  const logger = process.env['L1G1_TEST_LOGS'] ? createLogger('labeling-test') : createSilentLogger();
  let offset = 0;
  const service = await startLabeling(config, { logger, now: () => Date.now() + offset });
  const client = createGrpcClient(labeling.LabelingServiceClient, service.address, { identity: { apiKey: adminKey } });
  return {
    service,
    client,
    advance(ms) {
      offset += ms;
    },
    async close() {
      client.close();
      await service.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Mocha hooks for a describe block: a labeling service for its tests, closed after them. */
export function useTestLabeling(options: () => StartTestLabelingOptions = () => ({})): { readonly svc: TestLabeling } {
  let svc: TestLabeling | undefined;
  before(async () => {
    svc = await startTestLabeling(options());
  });
  after(async () => svc?.close());
  return {
    get svc(): TestLabeling {
      if (!svc) throw new Error('the labeling service starts in a before() hook; use it inside tests');
      return svc;
    },
  };
}
