import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { registry } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, metadataWithActor, unary } from '@l1g1/kit';
import { loadRegistryConfig, startModelRegistry } from '../src/index';
import { adminClientOptions } from '../../../test/support/stack';
import { tinyModel, uploadVersion } from './helpers';

describe('model-registry: database written by an older release', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'l1g1-registry-migrate-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function withRegistry<T>(fn: (client: registry.ModelRegistryServiceClient) => Promise<T>): Promise<T> {
    const config = loadRegistryConfig({ L1G1_DATA_DIR: dataDir, L1G1_REGISTRY_ADDR: '127.0.0.1:0' });
    const service = await startModelRegistry(config, { logger: createSilentLogger() });
    const client = createGrpcClient(registry.ModelRegistryServiceClient, service.address, await adminClientOptions(dataDir));
    try {
      return await fn(client);
    } finally {
      client.close();
      await service.stop();
    }
  }

  it('answers logical URIs for rows stored with file:// host paths, and keeps alias event ids growing', async () => {
    const sha = await withRegistry(async (client) => {
      const v = await uploadVersion(client, 'legacy', tinyModel(1));
      await unary(client.setAlias.bind(client), { modelName: 'legacy', alias: 'production', version: 1 }, { metadata: metadataWithActor('old') });
      return v.artifacts[0]?.sha256 ?? '';
    });
    // Make the database look like release 1 wrote it: host-path URIs, migration 2 not applied.
    const db = new Database(join(dataDir, 'registry', 'registry.db'));
    const hostUri = `file://${join(dataDir, 'registry', 'blobs', 'sha256', sha.slice(0, 2), sha)}`;
    db.prepare('UPDATE artifacts SET uri = ?').run(hostUri);
    db.pragma('user_version = 1');
    db.close();

    await withRegistry(async (client) => {
      const v = await unary(client.getVersion.bind(client), { modelName: 'legacy', version: 1 });
      assert.equal(v.artifacts[0]?.uri, `l1g1://blobs/sha256/${sha}`);
      assert.ok(!JSON.stringify(registry.ModelVersion.toJSON(v)).includes(dataDir), 'no host path in the answer');
      const again = await unary(
        client.setAlias.bind(client),
        { modelName: 'legacy', alias: 'production', version: 1 },
        { metadata: metadataWithActor('new') },
      );
      assert.equal(again.eventId, 2, 'event ids continue after the table was rebuilt');
      assert.equal(again.changed, false);
    });
  });
});
