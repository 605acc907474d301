/**
 * The suite `npm run demo` starts when no running gateway is given: every
 * service the chain needs, in this process, each on 127.0.0.1:0, sharing one
 * data directory (embedded storage: SQLite + files) and one internal secret,
 * wired as `npm start` wires them. In-process rather than child processes:
 * no ports to discover, and one Ctrl-C / test `after` stops it all.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSilentLogger, createSqliteKeyStore, issueApiKey, loadInternalSecret, type Logger } from '@l1g1/kit';
import { loadRegistryConfig, startModelRegistry } from '@l1g1/model-registry';
import { loadInferenceConfig, startInference } from '@l1g1/inference';
import { loadIngestionConfig, startIngestion } from '@l1g1/ingestion';
import { loadTrainerConfig, startTrainer } from '@l1g1/trainer';
import { loadEvaluatorConfig, startEvaluator } from '@l1g1/evaluator';
import { loadGatewayConfig, startGateway } from '@l1g1/gateway';
import type { DemoTargets } from './demo-targets';

export interface DemoSuite {
  targets: DemoTargets;
  stop(): Promise<void>;
}

/**
 * The demo's admin key, kept (mode 0600) in the data directory so a second
 * run reuses it instead of adding a key per run.
 */
async function demoKey(dataDir: string): Promise<string> {
  const file = join(dataDir, 'demo-admin-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const keys = createSqliteKeyStore(join(dataDir, 'auth', 'keys.db'));
  try {
    const { plaintext } = await issueApiKey(keys, { name: 'demo', scopes: ['admin'] });
    writeFileSync(file, plaintext, { mode: 0o600 });
    chmodSync(file, 0o600);
    return plaintext;
  } finally {
    keys.close();
  }
}

export async function startDemoSuite(dataDir: string, logger: Logger = createSilentLogger()): Promise<DemoSuite> {
  mkdirSync(join(dataDir, 'auth'), { recursive: true });
  const secret = loadInternalSecret(undefined, dataDir);
  const shared = { L1G1_DATA_DIR: dataDir, L1G1_INTERNAL_SECRET: secret };
  const apiKey = await demoKey(dataDir);
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    // Front door first, storage last.
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const reg = await startModelRegistry(loadRegistryConfig({ ...shared, L1G1_REGISTRY_ADDR: '127.0.0.1:0' }), { logger });
    stops.push(() => reg.stop());
    const inf = await startInference(
      loadInferenceConfig({ ...shared, L1G1_INFERENCE_ADDR: '127.0.0.1:0', L1G1_INFERENCE_METRICS_PORT: '0', L1G1_REGISTRY_ADDR: reg.address }),
      { logger },
    );
    stops.push(() => inf.stop());
    const ing = await startIngestion(loadIngestionConfig({ ...shared, L1G1_INGESTION_ADDR: '127.0.0.1:0', L1G1_REGISTRY_ADDR: reg.address, L1G1_INFERENCE_ADDR: inf.address }), { logger });
    stops.push(() => ing.close());
    const tr = await startTrainer(loadTrainerConfig({ ...shared, L1G1_TRAINER_ADDR: '127.0.0.1:0', L1G1_INGESTION_ADDR: ing.address, L1G1_REGISTRY_ADDR: reg.address }), { logger });
    stops.push(() => tr.close());
    const ev = await startEvaluator(
      loadEvaluatorConfig({ ...shared, L1G1_EVALUATOR_ADDR: '127.0.0.1:0', L1G1_INGESTION_ADDR: ing.address, L1G1_REGISTRY_ADDR: reg.address, L1G1_INFERENCE_ADDR: inf.address }),
      { logger },
    );
    stops.push(() => ev.close());
    const gw = await startGateway(
      loadGatewayConfig({
        ...shared,
        L1G1_GATEWAY_PORT: '0',
        L1G1_HTTP_HOST: '127.0.0.1',
        L1G1_REGISTRY_ADDR: reg.address,
        L1G1_INFERENCE_ADDR: inf.address,
        L1G1_INGESTION_ADDR: ing.address,
        L1G1_TRAINER_ADDR: tr.address,
        L1G1_EVALUATOR_ADDR: ev.address,
      }),
      { logger },
    );
    stops.push(() => gw.stop());
    return {
      targets: { gatewayUrl: gw.url, apiKey, registry: reg.address, ingestion: ing.address, trainer: tr.address, evaluator: ev.address },
      stop,
    };
  } catch (err: unknown) {
    await stop();
    throw err;
  }
}
