/**
 * Test fixtures: a real registry on 127.0.0.1:0 over a temporary data
 * directory, a generated client, and small helpers for the streaming RPCs.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registry } from '@l1g1/contracts';
import { Metadata } from '@grpc/grpc-js';
import {
  asL1g1Error,
  createGrpcClient,
  createSilentLogger,
  createSqliteKeyStore,
  forwardedPrincipalMetadata,
  issueApiKey,
  L1g1Error,
  type ErrorKind,
} from '@l1g1/kit';
import { buildMlp, type MlpPrecision } from '@l1g1/onnx';
import { loadRegistryConfig, startModelRegistry, type RegistryConfig, type RunningModelRegistry } from '../src/index';

export type Client = registry.ModelRegistryServiceClient;

/** The internal secret test registries run with (so tests can act as the gateway does). */
export const TEST_INTERNAL_SECRET = 'registry-tests-internal-secret';

/**
 * Metadata naming the audit actor the way the suite does it: a principal
 * (admin scope) signed with the internal secret, as the gateway forwards a
 * key's name. Without `actor`, the client's own admin key ("tests") acts.
 */
export function metadataWithActor(actor: string | undefined): Metadata {
  if (!actor) return new Metadata();
  return forwardedPrincipalMetadata({ id: `test:${actor}`, name: actor, scopes: ['admin'], modelPatterns: [], qps: 0, anonymous: false }, TEST_INTERNAL_SECRET);
}

export interface TestRegistry {
  service: RunningModelRegistry;
  /** A client presenting an admin API key. */
  client: Client;
  /** That admin key (its name, the default audit actor, is "tests"). */
  adminKey: string;
  config: RegistryConfig;
  /** Stops the server, closes the client, removes the data directory. */
  close(): Promise<void>;
}

/** Starts a registry on a free port over a fresh temporary data directory. */
export async function startTestRegistry(env: Record<string, string> = {}): Promise<TestRegistry> {
  const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-registry-test-'));
  const config = loadRegistryConfig({ L1G1_DATA_DIR: dataDir, L1G1_REGISTRY_ADDR: '127.0.0.1:0', L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET, ...env });
  const keys = createSqliteKeyStore(config.auth.keyDbPath);
  const adminKey = (await issueApiKey(keys, { name: 'tests', scopes: ['admin'] })).plaintext;
  keys.close();
  const service = await startModelRegistry(config, { logger: createSilentLogger() });
  const client = createGrpcClient(registry.ModelRegistryServiceClient, service.address, { identity: { apiKey: adminKey } });
  return {
    service,
    client,
    adminKey,
    config,
    async close() {
      client.close();
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every committed blob file under `<blobDir>/sha256`. */
export function blobFiles(config: RegistryConfig): string[] {
  const root = join(config.blobDir, 'sha256');
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  try {
    return walk(root);
  } catch {
    return [];
  }
}

/** Uploads in progress (uncommitted blob files). */
export function tmpFiles(config: RegistryConfig): string[] {
  try {
    return readdirSync(join(config.blobDir, 'tmp'));
  } catch {
    return [];
  }
}

export function headerMessage(header: Partial<registry.UploadHeader>): registry.UploadArtifactRequest {
  return { payload: { $case: 'header', value: registry.UploadHeader.fromPartial(header) } };
}

export function chunkMessages(bytes: Uint8Array, chunkBytes = 16 * 1024): registry.UploadArtifactRequest[] {
  const out: registry.UploadArtifactRequest[] = [];
  for (let i = 0; i < bytes.byteLength; i += chunkBytes) {
    out.push({ payload: { $case: 'chunk', value: Buffer.from(bytes.subarray(i, i + chunkBytes)) } });
  }
  return out;
}

/** A client-streaming upload of the given messages; failures come back as L1g1Errors. */
export function upload(
  client: Client,
  messages: registry.UploadArtifactRequest[],
  options: { method?: 'createVersion' | 'addVariant'; actor?: string } = {},
): Promise<registry.ModelVersion> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, res: registry.ModelVersion): void => {
      if (err) reject(asL1g1Error(err));
      else resolve(res);
    };
    const metadata = metadataWithActor(options.actor);
    const call =
      options.method === 'addVariant' ? client.addVariant(metadata, done) : client.createVersion(metadata, done);
    for (const message of messages) call.write(message);
    call.end();
  });
}

/** CreateVersion of `bytes` (create_model on by default). */
export function uploadVersion(
  client: Client,
  modelName: string,
  bytes: Uint8Array,
  header: Partial<registry.UploadHeader> = {},
  actor?: string,
): Promise<registry.ModelVersion> {
  return upload(client, [headerMessage({ modelName, createModel: true, ...header }), ...chunkMessages(bytes)], {
    ...(actor === undefined ? {} : { actor }),
  });
}

/** Reads a whole server stream. */
export function readAll<T>(
  stream: NodeJS.ReadableStream & { on(event: 'data', fn: (m: T) => void): unknown },
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on('data', (m: T) => items.push(m));
    stream.on('error', (err: Error) => reject(asL1g1Error(err)));
    stream.on('end', () => resolve(items));
  });
}

/** Asserts that `promise` fails with the given error kind, and optionally field, reason, message. */
export async function rejectsWith(
  promise: Promise<unknown>,
  expected: { kind: ErrorKind; field?: string; reason?: string; message?: RegExp },
): Promise<L1g1Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (err: unknown) {
    caught = err;
  }
  assert.ok(caught instanceof L1g1Error, `expected an L1g1Error, got ${String(caught)}`);
  assert.equal(caught.kind, expected.kind, `kind (message: ${caught.message})`);
  if (expected.field !== undefined) assert.equal(caught.field, expected.field, `field (message: ${caught.message})`);
  if (expected.reason !== undefined)
    assert.equal(caught.reason, expected.reason, `reason (message: ${caught.message})`);
  if (expected.message) assert.match(caught.message, expected.message);
  return caught;
}

/** Polls `predicate` until it holds or `timeoutMs` passes (for effects that finish after a reply). */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A unique model name per test, so tests sharing a server do not see each other's models. */
let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * A small valid ONNX model with the demo classifier's signature (features
 * [batch,4] -> probabilities [batch,3]); each seed gives different bytes.
 */
export function tinyModel(seed: number, precision: MlpPrecision = 'fp32'): Uint8Array {
  return buildMlp({
    inputSize: 4,
    hiddenSizes: [8],
    outputSize: 3,
    seed,
    softmax: true,
    inputName: 'features',
    outputName: 'probabilities',
    precision,
  });
}
