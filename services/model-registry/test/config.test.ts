import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import { ConfigError } from '@l1g1/kit';
import { loadRegistryConfig } from '../src/config';

describe('model-registry: config', () => {
  it('has defaults that work on one machine', () => {
    const config = loadRegistryConfig({});

    assert.equal(config.address, '127.0.0.1:50051');
    assert.equal(config.dataDir, resolve('.l1g1'));
    assert.equal(config.databasePath, join(resolve('.l1g1'), 'registry', 'registry.db'));
    assert.equal(config.blobDir, join(resolve('.l1g1'), 'registry', 'blobs'));
    assert.equal(config.maxArtifactBytes, 512 * 1024 * 1024);
    assert.equal(config.databaseUrl, undefined, 'no database URL: SQLite, nothing to install');
    assert.equal(config.auth.databaseUrl, undefined);
    assert.deepEqual(config.blobs, { kind: 'file', dir: join(resolve('.l1g1'), 'registry', 'blobs') });
    assert.ok(Object.isFrozen(config));
  });

  it('reads the environment', () => {
    const config = loadRegistryConfig({
      L1G1_REGISTRY_ADDR: '0.0.0.0:6000',
      L1G1_DATA_DIR: '/srv/l1g1',
      L1G1_REGISTRY_MAX_ARTIFACT_BYTES: '1048576',
    });

    assert.equal(config.address, '0.0.0.0:6000');
    assert.equal(config.registryDir, '/srv/l1g1/registry');
    assert.equal(config.maxArtifactBytes, 1048576);
  });

  it('puts metadata and keys in PostgreSQL when L1G1_DATABASE_URL names one, and refuses other URLs without echoing them', () => {
    const url = 'postgresql://l1g1:pw@db:5432/l1g1';
    const config = loadRegistryConfig({ L1G1_DATABASE_URL: url });
    assert.equal(config.databaseUrl, url);
    assert.equal(config.auth.databaseUrl, url, 'the key store follows the same variable');
    for (const bad of ['mysql://u:secret-pw@db/x', 'not a url secret-pw']) {
      assert.throws(
        () => loadRegistryConfig({ L1G1_DATABASE_URL: bad }),
        (err: unknown) => err instanceof ConfigError && err.variable === 'L1G1_DATABASE_URL' && !err.message.includes('secret-pw'),
      );
    }
  });

  it('chooses the S3 blob store by L1G1_BLOB_URL, spooling under the data dir and keeping only the AWS variables', () => {
    const config = loadRegistryConfig({
      L1G1_DATA_DIR: '/srv/l1g1',
      L1G1_BLOB_URL: 's3://models/team/a/',
      AWS_ENDPOINT_URL: 'http://minio:9000',
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
      HOME: '/root',
    });

    assert.deepEqual(config.blobs, {
      kind: 's3',
      url: 's3://models/team/a/',
      location: { bucket: 'models', prefix: 'team/a/' },
      spoolDir: '/srv/l1g1/registry/spool',
      awsEnv: { AWS_ENDPOINT_URL: 'http://minio:9000', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' },
    });
    assert.ok(Object.isFrozen(config.blobs));
  });

  it('fails fast on a bad value, naming the variable', () => {
    for (const [variable, value] of [
      ['L1G1_REGISTRY_ADDR', 'no-port'],
      ['L1G1_REGISTRY_MAX_ARTIFACT_BYTES', 'lots'],
      ['L1G1_REGISTRY_MAX_ARTIFACT_BYTES', '0'],
      ['L1G1_BLOB_URL', 'http://bucket/prefix'],
      ['L1G1_BLOB_URL', 's3://key:secret@bucket/prefix'],
    ] as const) {
      assert.throws(
        () => loadRegistryConfig({ [variable]: value }),
        (err: unknown) => err instanceof ConfigError && err.variable === variable && err.message.includes(variable),
      );
    }
  });
});
