/**
 * Starts the real services in this process (each on 127.0.0.1:0, with a
 * fresh temporary data directory) for end-to-end tests: registry, inference
 * and gateway, wired as `npm start` wires them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, registry } from '@l1g1/contracts';
import { Metadata } from '@grpc/grpc-js';
import {
  createGrpcClient,
  createLogger,
  createSilentLogger,
  createSqliteKeyStore,
  fromServiceError,
  issueApiKey,
  unary,
  type ApiKeyRequest,
  type ClientOptions,
} from '@l1g1/kit';
import { loadRegistryConfig, startModelRegistry } from '@l1g1/model-registry';
import { loadInferenceConfig, startInference } from '@l1g1/inference';
import { loadGatewayConfig, startGateway } from '@l1g1/gateway';
import { buildDemoClassifier } from '@l1g1/onnx';
export { freePort } from '@l1g1/kit';

export interface Stack {
  dataDir: string;
  inferenceMetricsUrl: string | undefined;
  registryAddr: string;
  inferenceAddr: string;
  gatewayUrl: string;
  /** Registry client presenting the admin key. */
  registry: registry.ModelRegistryServiceClient;
  /** An admin API key created in the stack's key store (audit actor: "tests"). */
  adminKey: string;
  /** `{ authorization: 'Bearer <admin key>' }`, for REST writes. */
  authHeaders: Record<string, string>;
  /** Creates another key in the stack's key store; returns its plaintext. */
  createKey(request: ApiKeyRequest): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Creates an admin API key in `<dataDir>/auth/keys.db` (the store every
 * service of that data directory reads) and returns client options that
 * present it: for tests that start their own services.
 */
export async function adminClientOptions(dataDir: string): Promise<ClientOptions> {
  const keys = createSqliteKeyStore(join(dataDir, 'auth', 'keys.db'));
  try {
    const { plaintext } = await issueApiKey(keys, { name: 'tests', scopes: ['admin'] });
    return { identity: { apiKey: plaintext } };
  } finally {
    keys.close();
  }
}

/** The authorization header for `key`. */
export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/**
 * Mocha hooks for a describe block: a stack started before its tests (with
 * the demo classifier as `demo@production`) and stopped after them.
 */
export function useDemoStack(options: StackOptions = {}): { readonly stack: Stack } {
  let stack: Stack | undefined;
  before(async () => {
    stack = await startStack(options);
    await uploadModel(stack.registry, 'demo', buildDemoClassifier(), { alias: 'production' });
  });
  after(async () => {
    await stack?.stop();
  });
  return {
    get stack(): Stack {
      if (!stack) throw new Error('the stack starts in a before() hook; use it inside tests');
      return stack;
    },
  };
}

export interface StackOptions {
  inferenceEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  /** Env given to all three services (e.g. L1G1_AUTH_CACHE_TTL_MS). */
  sharedEnv?: Record<string, string>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-stack-'));
  const logger = process.env['L1G1_TEST_LOGS'] ? createLogger('test') : createSilentLogger();
  const shared = { L1G1_DATA_DIR: dataDir, ...options.sharedEnv };
  // The stack's keys live where its services look for them: <data dir>/auth/keys.db.
  const keys = createSqliteKeyStore(join(dataDir, 'auth', 'keys.db'));
  const createKey = async (request: ApiKeyRequest) => (await issueApiKey(keys, request)).plaintext;
  const adminKey = await createKey({ name: 'tests', scopes: ['admin'] });
  const reg = await startModelRegistry(loadRegistryConfig({ ...shared, L1G1_REGISTRY_ADDR: '127.0.0.1:0' }), { logger });
  const inf = await startInference(
    loadInferenceConfig({ ...shared, L1G1_INFERENCE_ADDR: '127.0.0.1:0', L1G1_INFERENCE_METRICS_PORT: '0', L1G1_REGISTRY_ADDR: reg.address, ...options.inferenceEnv }),
    { logger },
  );
  const gw = await startGateway(
    loadGatewayConfig({
      ...shared,
      L1G1_GATEWAY_PORT: '0',
      L1G1_REGISTRY_ADDR: reg.address,
      L1G1_INFERENCE_ADDR: inf.address,
      ...options.gatewayEnv,
    }),
    { logger },
  );
  const client = createGrpcClient(registry.ModelRegistryServiceClient, reg.address, { identity: { apiKey: adminKey } });
  return {
    dataDir,
    inferenceMetricsUrl: inf.metricsUrl,
    registryAddr: reg.address,
    inferenceAddr: inf.address,
    gatewayUrl: gw.url,
    registry: client,
    adminKey,
    authHeaders: bearer(adminKey),
    createKey,
    async stop() {
      client.close();
      await gw.stop();
      await inf.stop();
      await reg.stop();
      keys.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Uploads `bytes` as a new version over gRPC (client streaming), optionally setting an alias. */
export async function uploadModel(
  client: registry.ModelRegistryServiceClient,
  name: string,
  bytes: Uint8Array,
  options: { alias?: string; precision?: common.Precision; version?: number; tags?: Record<string, string> } = {},
): Promise<registry.ModelVersion> {
  const method = options.version ? 'addVariant' : 'createVersion';
  const v = await new Promise<registry.ModelVersion>((resolve, reject) => {
    const call = client[method](new Metadata(), {}, (err, res) => (err ? reject(fromServiceError(err)) : resolve(res)));
    call.write({
      payload: {
        $case: 'header',
        value: registry.UploadHeader.fromPartial({
          modelName: name,
          createModel: !options.version,
          version: options.version ?? 0,
          precision: options.precision ?? common.Precision.PRECISION_FP32,
          tags: options.tags ?? {},
        }),
      },
    });
    for (let off = 0; off < bytes.length; off += 256 * 1024) {
      call.write({ payload: { $case: 'chunk', value: Buffer.from(bytes.subarray(off, off + 256 * 1024)) } });
    }
    call.end();
  });
  if (options.alias) await unary(client.setAlias.bind(client), { modelName: name, alias: options.alias, version: v.version });
  return v;
}

export async function setAlias(client: registry.ModelRegistryServiceClient, name: string, alias: string, version: number): Promise<void> {
  await unary(client.setAlias.bind(client), { modelName: name, alias, version });
}

/** fetch + JSON, returning status, headers and body. */
export async function http(
  url: string,
  init: RequestInit & { json?: unknown } = {},
  // Response bodies are asserted field by field in tests; typing each shape adds nothing.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; headers: Headers; body: any }> {
  const { json, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    ...(json !== undefined ? { body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...(rest.headers as Record<string, string>) } } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}
