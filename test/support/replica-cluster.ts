/**
 * The scaled deployment in miniature, for the replica scenarios: two
 * model-registry processes and two inference processes on one PostgreSQL
 * and one S3 server, each process with a data directory of its own, so that
 * anything one replica learns from another can only have come through
 * PostgreSQL or the bucket.
 *
 * Wiring, and why: each "side" is a chain, so that an alias moved through
 * one side can only reach the other by way of PostgreSQL:
 *
 *   gateway A → registry A, inference A → registry A
 *   gateway B → registry B, inference B → registry B
 *
 * and one more gateway, `both`, is in front of every replica (its
 * L1G1_*_ADDR are `ip:port` lists, balanced round_robin), as a load balancer
 * in front of N replicas would be.
 *
 * An alias moved through registry A reaches inference B only by way of
 * PostgreSQL and registry B's alias feed: the path a load balancer in front
 * of N replicas would exercise, with no balancer to hide which replica
 * answered. The gateway is stateless; two of them are a test convenience
 * (each reaches "its" inference replica), not a second design.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { registry } from '@l1g1/contracts';
import { createGrpcClient, issueApiKey, openKeyStore } from '@l1g1/kit';
import type { ProcessGroup, ServiceProcess } from './processes';

export interface ReplicaSide {
  readonly registry: ServiceProcess;
  readonly inference: ServiceProcess;
  readonly gateway: ServiceProcess;
  /** gRPC client of this side's registry, presenting the admin key. */
  readonly registryClient: registry.ModelRegistryServiceClient;
}

export interface ReplicaCluster {
  readonly a: ReplicaSide;
  readonly b: ReplicaSide;
  /** A gateway in front of both registries and both inference replicas. */
  readonly both: ServiceProcess;
  /** An admin key every process accepts. */
  readonly adminKey: string;
  /** Closes the clients and removes the data directories (the group stops the processes). */
  close(): void;
}

export interface ReplicaClusterOptions {
  databaseUrl: string;
  /** `s3://bucket/prefix` */
  blobUrl: string;
  /** AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION of the S3 server. */
  awsEnv: Record<string, string>;
  /** Extra env for every process. */
  env?: Record<string, string>;
}

/**
 * Creates an admin key where every replica reads keys: with a database URL,
 * PostgreSQL (one store for all); the data directories' SQLite files are
 * then never opened.
 */
async function seedAdminKey(databaseUrl: string, anyDataDir: string): Promise<string> {
  const store = await openKeyStore({ databaseUrl, keyDbPath: join(anyDataDir, 'auth', 'keys.db') });
  try {
    return (await issueApiKey(store, { name: 'replica-tests', scopes: ['admin'] })).plaintext;
  } finally {
    await store.close();
  }
}

/** Starts both sides (registries first: inference and the gateways dial them). */
export async function startReplicaCluster(group: ProcessGroup, options: ReplicaClusterOptions): Promise<ReplicaCluster> {
  const root = mkdtempSync(join(tmpdir(), 'l1g1-replicas-'));
  const dir = (name: string): string => join(root, name);
  const names = ['registry-a', 'registry-b', 'inference-a', 'inference-b', 'gateway-a', 'gateway-b', 'gateway-both'] as const;
  const clients: registry.ModelRegistryServiceClient[] = [];
  try {
    const adminKey = await seedAdminKey(options.databaseUrl, dir(names[0]));
    const shared = {
      L1G1_DATABASE_URL: options.databaseUrl,
      L1G1_BLOB_URL: options.blobUrl,
      ...options.awsEnv,
      // One secret for all: forwarded identities must verify across data directories.
      L1G1_INTERNAL_SECRET: randomBytes(32).toString('hex'),
      // Revocations are not under test: a short cache keeps startup checks honest.
      L1G1_AUTH_CACHE_TTL_MS: '1000',
      ...options.env,
    };
    const env = (name: string, extra: Record<string, string> = {}): Record<string, string> => ({ ...shared, L1G1_DATA_DIR: dir(name), ...extra });
    const [regA, regB] = await Promise.all([
      group.startService('model-registry', 'registry-a', env('registry-a')),
      group.startService('model-registry', 'registry-b', env('registry-b')),
    ]);
    const [infA, infB] = await Promise.all([
      group.startService('inference', 'inference-a', env('inference-a', { L1G1_REGISTRY_ADDR: regA.address })),
      group.startService('inference', 'inference-b', env('inference-b', { L1G1_REGISTRY_ADDR: regB.address })),
    ]);
    const [gwA, gwB, gwBoth] = await Promise.all([
      group.startService('gateway', 'gateway-a', env('gateway-a', { L1G1_REGISTRY_ADDR: regA.address, L1G1_INFERENCE_ADDR: infA.address })),
      group.startService('gateway', 'gateway-b', env('gateway-b', { L1G1_REGISTRY_ADDR: regB.address, L1G1_INFERENCE_ADDR: infB.address })),
      group.startService(
        'gateway',
        'gateway-both',
        env('gateway-both', { L1G1_REGISTRY_ADDR: `${regA.address},${regB.address}`, L1G1_INFERENCE_ADDR: `${infA.address},${infB.address}` }),
      ),
    ]);
    const client = (address: string): registry.ModelRegistryServiceClient => {
      const c = createGrpcClient(registry.ModelRegistryServiceClient, address, { identity: { apiKey: adminKey }, defaultDeadlineMs: 30_000 });
      clients.push(c);
      return c;
    };
    return {
      a: { registry: regA, inference: infA, gateway: gwA, registryClient: client(regA.address) },
      b: { registry: regB, inference: infB, gateway: gwB, registryClient: client(regB.address) },
      both: gwBoth,
      adminKey,
      close() {
        for (const c of clients) c.close();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const c of clients) c.close();
    rmSync(root, { recursive: true, force: true });
    const report = group.report();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${report}`);
  }
}
