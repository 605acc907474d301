/**
 * Where the demo's chain runs: a gateway (the REST prediction) and the gRPC
 * services behind it (the stages whose REST routes are not all there yet),
 * with one API key presented to all of them.
 */
export interface DemoTargets {
  gatewayUrl: string;
  apiKey: string;
  registry: string;
  ingestion: string;
  trainer: string;
  evaluator: string;
}

/**
 * A running suite: `--url` (or L1G1_GATEWAY_URL) and `--key` (or L1G1_KEY);
 * the services' addresses from the environment `npm start` uses, defaulting
 * to its ports.
 */
export function runningSuiteTargets(gatewayUrl: string, apiKey: string, env: NodeJS.ProcessEnv): DemoTargets {
  return {
    gatewayUrl: gatewayUrl.replace(/\/+$/, ''),
    apiKey,
    registry: env['L1G1_REGISTRY_ADDR'] ?? '127.0.0.1:50051',
    ingestion: env['L1G1_INGESTION_ADDR'] ?? '127.0.0.1:50053',
    trainer: env['L1G1_TRAINER_ADDR'] ?? '127.0.0.1:50054',
    evaluator: env['L1G1_EVALUATOR_ADDR'] ?? '127.0.0.1:50055',
  };
}
