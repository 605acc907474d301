/**
 * Two registry replicas on one PostgreSQL database, black-box over gRPC.
 * Each replica has its own data directory, pool and LISTEN connection, so
 * whatever one sees of the other went through PostgreSQL: the tables for
 * models, versions and keys, LISTEN/NOTIFY for live alias events.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { registry } from '@l1g1/contracts';
import { asL1g1Error, createGrpcClient, createSilentLogger, freePort, issueApiKey, openPostgresKeyStore, unary, type KeyStore } from '@l1g1/kit';
import { loadRegistryConfig, startModelRegistry, type RunningModelRegistry } from '../src/index';
import { startTestPostgres, usePostgres } from '../../../test/support/postgres';
import { rejectsWith, tinyModel, uploadVersion, type Client } from './helpers';

describe('model-registry: two replicas on one PostgreSQL', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  const dirs: string[] = [];
  const replicas: RunningModelRegistry[] = [];
  const clients: Client[] = [];
  let keys: KeyStore;
  let adminKey = '';
  let replicaA: RunningModelRegistry;
  let replicaB: RunningModelRegistry;

  const replicaEnv = (dataDir: string, address: string): Record<string, string> => ({
    L1G1_DATA_DIR: dataDir,
    L1G1_REGISTRY_ADDR: address,
    L1G1_DATABASE_URL: pg.url,
    L1G1_INTERNAL_SECRET: 'replica-tests-secret',
    // Every call asks the key store: revocations count at once.
    L1G1_AUTH_CACHE_TTL_MS: '0',
  });

  function newDataDir(): string {
    const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-registry-replica-'));
    dirs.push(dataDir);
    return dataDir;
  }

  async function startReplica(dataDir = newDataDir()): Promise<RunningModelRegistry> {
    const config = loadRegistryConfig(replicaEnv(dataDir, '127.0.0.1:0'));
    const service = await startModelRegistry(config, { logger: createSilentLogger() });
    replicas.push(service);
    return service;
  }

  function clientOf(target: RunningModelRegistry | string, apiKey = adminKey): Client {
    const address = typeof target === 'string' ? target : target.address;
    const client = createGrpcClient(registry.ModelRegistryServiceClient, address, { identity: { apiKey } });
    clients.push(client);
    return client;
  }

  before(async () => {
    // Where a deployment's create-key would mint it: the shared PostgreSQL key store.
    keys = await openPostgresKeyStore({ url: pg.url });
    adminKey = (await issueApiKey(keys, { name: 'tests', scopes: ['admin'] })).plaintext;
    replicaA = await startReplica();
    replicaB = await startReplica();
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const r of replicas) await r.stop();
    await keys?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('lists on replica B a version created through replica A, and moves its alias from B', async () => {
    const [a, b] = [clientOf(replicaA), clientOf(replicaB)];
    const created = await uploadVersion(a, 'shared', tinyModel(1));
    assert.equal(created.version, 1);
    const listed = await unary(b.listVersions.bind(b), registry.ListVersionsRequest.fromPartial({ modelName: 'shared' }));
    assert.deepEqual(listed.versions.map((v) => [v.version, v.artifacts[0]?.sha256]), [[1, created.artifacts[0]?.sha256]]);
    const second = await uploadVersion(b, 'shared', tinyModel(2));
    assert.equal(second.version, 2, 'B numbers after what A created');
    const moved = await unary(b.setAlias.bind(b), { modelName: 'shared', alias: 'production', version: 2 });
    const seenByA = await unary(a.getModel.bind(a), { name: 'shared' });
    assert.equal(seenByA.aliases['production'], 2);
    assert.equal(moved.changed, true);
  });

  it('streams an alias moved through replica B on a WatchAliases opened on replica A', async function () {
    this.timeout(20_000);
    const [a, b] = [clientOf(replicaA), clientOf(replicaB)];
    await uploadVersion(b, 'watched', tinyModel(3));
    await uploadVersion(b, 'watched', tinyModel(4));
    const first = await unary(b.setAlias.bind(b), { modelName: 'watched', alias: 'production', version: 1 });

    const call = a.watchAliases(registry.WatchAliasesRequest.fromPartial({ modelName: 'watched', afterEventId: 0 }));
    const events: registry.AliasEvent[] = [];
    let failed: Error | undefined;
    let wake = (): void => undefined;
    call.on('data', (e: registry.AliasEvent) => {
      events.push(e);
      wake();
    });
    call.on('error', (err: Error) => {
      failed = asL1g1Error(err);
      wake();
    });
    /** Resolves once `count` events arrived; no timer: mocha's timeout bounds the wait. */
    const arrived = (count: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (failed) reject(failed);
          else if (events.length >= count) resolve();
        };
        wake = check;
        check();
      });
    try {
      await arrived(1); // the replay: the watch is open and following
      const moved = await unary(b.setAlias.bind(b), { modelName: 'watched', alias: 'production', version: 2 });
      // Nothing polls: only B's NOTIFY, delivered to A's LISTEN connection, can wake A's stream.
      await arrived(2);
      assert.deepEqual(
        events.map((e) => [e.eventId, e.fromVersion, e.toVersion]),
        [
          [first.eventId, 0, 1],
          [moved.eventId, 1, 2],
        ],
      );
    } finally {
      call.cancel();
    }
  });

  it('refuses on replica B a key revoked through another process, with a cache TTL of 0', async () => {
    const { record, plaintext } = await issueApiKey(keys, { name: 'short-lived', scopes: ['read'] });
    const b = clientOf(replicaB, plaintext);
    await unary(b.listModels.bind(b), registry.ListModelsRequest.fromPartial({}));
    assert.equal(await keys.revoke(record.id, new Date()), true);
    await rejectsWith(unary(b.listModels.bind(b), registry.ListModelsRequest.fromPartial({})), { kind: 'UNAUTHENTICATED', reason: 'API_KEY_REVOKED' });
  });

  it('loses nothing acknowledged when a replica process is SIGKILLed during parallel uploads', async function () {
    this.timeout(90_000);
    // Both replicas on one machine share the artifact folder (as they would share a bucket).
    const dataDir = newDataDir();
    const address = `127.0.0.1:${await freePort()}`;
    const child = spawn(process.execPath, [resolve(__dirname, '..', 'dist', 'main.js')], {
      env: { ...process.env, ...replicaEnv(dataDir, address), L1G1_LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const survivor = await startReplica(dataDir);
    const victim = clientOf(address);
    const acknowledged: { version: number; sha256: string }[] = [];
    try {
      // Wait (bounded) until the process answers.
      let up = false;
      for (let i = 0; i < 150 && !up; i++) {
        up = await unary(victim.listModels.bind(victim), registry.ListModelsRequest.fromPartial({})).then(
          () => true,
          () => new Promise<boolean>((r) => setTimeout(() => r(false), 100)),
        );
      }
      assert.ok(up, 'the replica process did not answer');
      let killed = false;
      let seed = 100;
      // 4 uploaders, at most 15 uploads each; the kill lands while several are in flight.
      const uploader = async (): Promise<void> => {
        for (let i = 0; i < 15 && !killed; i++) {
          try {
            const v = await uploadVersion(victim, 'survivor', tinyModel(seed++));
            acknowledged.push({ version: v.version, sha256: v.artifacts[0]?.sha256 ?? '' });
          } catch {
            return; // the replica is gone: nothing more is acknowledged
          }
          if (acknowledged.length >= 6 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      };
      await Promise.all([uploader(), uploader(), uploader(), uploader()]);
      assert.ok(killed, 'the replica was killed mid-run');
      await exited;

      const other = clientOf(survivor);
      const listed = await unary(other.listVersions.bind(other), registry.ListVersionsRequest.fromPartial({ modelName: 'survivor', page: { pageSize: 100 } }));
      const bySurvivor = new Map(listed.versions.map((v) => [v.version, v.artifacts[0]?.sha256]));
      for (const ack of acknowledged) assert.equal(bySurvivor.get(ack.version), ack.sha256, `acknowledged version ${ack.version} is kept`);
      const blobDir = loadRegistryConfig(replicaEnv(dataDir, '127.0.0.1:0')).blobDir;
      for (const [version, sha] of bySurvivor) {
        assert.ok(sha && existsSync(join(blobDir, 'sha256', sha.slice(0, 2), sha)), `version ${version} has its artifact: nothing half-written is listed`);
      }
      // The survivor goes on numbering after whatever the dead replica committed.
      const next = await uploadVersion(other, 'survivor', tinyModel(999));
      assert.equal(next.version, Math.max(...bySurvivor.keys()) + 1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('answers UNAVAILABLE with a stable message when its PostgreSQL goes away, not INTERNAL', async function () {
    this.timeout(120_000);
    const own = await startTestPostgres();
    if (typeof own === 'string') {
      console.log(`      (skipped: ${own})`);
      this.skip();
    }
    const ownKeys = await openPostgresKeyStore({ url: own.url });
    let service: RunningModelRegistry | undefined;
    try {
      const key = (await issueApiKey(ownKeys, { name: 'outage', scopes: ['admin'] })).plaintext;
      const config = loadRegistryConfig({ ...replicaEnv(newDataDir(), '127.0.0.1:0'), L1G1_DATABASE_URL: own.url, L1G1_AUTH_CACHE_TTL_MS: '600000' });
      service = await startModelRegistry(config, { logger: createSilentLogger() });
      const client = clientOf(service, key);
      // The key is now cached: what follows reaches the registry's own store.
      await unary(client.listModels.bind(client), registry.ListModelsRequest.fromPartial({}));
      await own.stop();
      const err = await rejectsWith(unary(client.listModels.bind(client), registry.ListModelsRequest.fromPartial({})), {
        kind: 'UNAVAILABLE',
        reason: 'DATABASE_UNAVAILABLE',
      });
      assert.equal(err.message, 'the registry database is unavailable; retry shortly', 'no address, no driver text');
    } finally {
      await service?.stop();
      await ownKeys.close();
      await own.stop();
    }
  });
});
