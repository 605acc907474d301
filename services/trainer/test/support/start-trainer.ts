/**
 * Test fixture: a real trainer service on 127.0.0.1:0 over a fresh temporary
 * data directory (SQLite jobs and checkpoint rows, file blobs), pointed at
 * the given ingestion and registry addresses, with a client presenting an
 * admin API key. Services sharing `dataDir` share its key store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainer } from '@l1g1/contracts';
import { createGrpcClient, createLogger, createSilentLogger, createSqliteKeyStore, issueApiKey } from '@l1g1/kit';
import { loadTrainerConfig, startTrainer, type RunningTrainer, type TrainerConfig, type TrainerDeps } from '../../src/index';

export type TrainerClient = trainer.TrainerServiceClient;

/** The internal secret test services run with (so the trainer can call ingestion and the registry as a service). */
export const TEST_INTERNAL_SECRET = 'trainer-tests-internal-secret';

export interface TestTrainer {
  service: RunningTrainer;
  /** A client presenting an admin API key. */
  client: TrainerClient;
  adminKey: string;
  config: TrainerConfig;
  deps: TrainerDeps;
  dataDir: string;
  /** Stops the server and closes the client; removes the data directory when this fixture made it. */
  close(): Promise<void>;
}

export interface StartTestTrainerOptions {
  /** The ingestion service to read snapshots from (default: nothing listening). */
  ingestionAddress?: string;
  /** The registry to register into (default: nothing listening). */
  registryAddress?: string;
  /** A data directory shared with the other services (its key store); default: a fresh one removed at close. */
  dataDir?: string;
  /** The internal secret shared with those services (default {@link TEST_INTERNAL_SECRET}). */
  internalSecret?: string;
  /** Extra environment (L1G1_TRAINER_LEASE_MS ...). */
  env?: Record<string, string>;
}

/** Starts a trainer on a free port. */
export async function startTestTrainer(options: StartTestTrainerOptions = {}): Promise<TestTrainer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'l1g1-trainer-test-'));
  const config = loadTrainerConfig({
    L1G1_DATA_DIR: dataDir,
    L1G1_TRAINER_ADDR: '127.0.0.1:0',
    L1G1_INTERNAL_SECRET: options.internalSecret ?? TEST_INTERNAL_SECRET,
    // Port 9 (discard): a call there fails fast instead of reaching a developer's own services.
    L1G1_INGESTION_ADDR: options.ingestionAddress ?? '127.0.0.1:9',
    L1G1_REGISTRY_ADDR: options.registryAddress ?? '127.0.0.1:9',
    ...options.env,
  });
  const keys = createSqliteKeyStore(config.auth.keyDbPath);
  const adminKey = (await issueApiKey(keys, { name: 'tests', scopes: ['admin'] })).plaintext;
  keys.close();
  const logger = process.env['L1G1_TEST_LOGS'] ? createLogger('trainer-test') : createSilentLogger();
  const service = await startTrainer(config, { logger });
  const client = createGrpcClient(trainer.TrainerServiceClient, service.address, { identity: { apiKey: adminKey } });
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
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
