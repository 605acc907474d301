/**
 * Test fixture: a real evaluator on 127.0.0.1:0 wired to real neighbours —
 * an ingestion service (snapshots), and the stack's registry, inference and
 * gateway — sharing one data directory (its key store) and one internal
 * secret, as `npm start` wires them. The client presents an admin API key.
 */
import { evaluator } from '@l1g1/contracts';
import { createGrpcClient, createLogger, createSilentLogger, freePort } from '@l1g1/kit';
import { startTestIngestion, type TestIngestion } from '../../../ingestion/test/support/start-ingestion';
import { startStack, type Stack } from '../../../../test/support/stack';
import { loadEvaluatorConfig, startEvaluator, type EvaluatorConfig, type RunningEvaluator } from '../../src/index';

export type EvaluatorClient = evaluator.EvaluatorServiceClient;

/** The internal secret the fixture's services share (so the evaluator calls the others as a service). */
export const TEST_INTERNAL_SECRET = 'evaluator-tests-internal-secret';

export interface EvaluatorStack {
  evaluator: RunningEvaluator;
  /** Presents the stack's admin key. */
  client: EvaluatorClient;
  config: EvaluatorConfig;
  ingestion: TestIngestion;
  /** Registry, inference and gateway (registry client with the admin key). */
  stack: Stack;
  /** Stops everything this fixture started and removes its data directories. */
  close(): Promise<void>;
}

export interface StartEvaluatorStackOptions {
  /** Extra evaluator environment (L1G1_EVALUATOR_PREDICT_CONCURRENCY ...). */
  env?: Record<string, string>;
  /** Extra gateway environment (L1G1_SSE_HEARTBEAT_MS ...). */
  gatewayEnv?: Record<string, string>;
  /** Extra inference environment (L1G1_INFERENCE_VARIANT_POLICY_TTL_MS ...). */
  inferenceEnv?: Record<string, string>;
}

/** Starts ingestion, registry, inference, gateway and the evaluator, each on a free port. */
export async function startEvaluatorStack(options: StartEvaluatorStackOptions = {}): Promise<EvaluatorStack> {
  const ingestion = await startTestIngestion({ env: { L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET } });
  let stack: Stack | undefined;
  try {
    // The evaluator's port is chosen first so that the stack's gateway routes /v1/evaluations, /v1/gates ... to it.
    const evaluatorAddr = `127.0.0.1:${await freePort()}`;
    stack = await startStack({
      sharedEnv: { L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET },
      gatewayEnv: { L1G1_EVALUATOR_ADDR: evaluatorAddr, ...options.gatewayEnv },
      ...(options.inferenceEnv ? { inferenceEnv: options.inferenceEnv } : {}),
    });
    const config = loadEvaluatorConfig({
      L1G1_DATA_DIR: stack.dataDir,
      L1G1_EVALUATOR_ADDR: evaluatorAddr,
      L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      L1G1_INGESTION_ADDR: ingestion.service.address,
      L1G1_REGISTRY_ADDR: stack.registryAddr,
      L1G1_INFERENCE_ADDR: stack.inferenceAddr,
      ...options.env,
    });
    const logger = process.env['L1G1_TEST_LOGS'] ? createLogger('evaluator-test') : createSilentLogger();
    const service = await startEvaluator(config, { logger });
    const client = createGrpcClient(evaluator.EvaluatorServiceClient, service.address, { identity: { apiKey: stack.adminKey } });
    const started = stack;
    return {
      evaluator: service,
      client,
      config,
      ingestion,
      stack: started,
      async close() {
        client.close();
        await service.close();
        await started.stop();
        await ingestion.close();
      },
    };
  } catch (err: unknown) {
    await stack?.stop();
    await ingestion.close();
    throw err;
  }
}
