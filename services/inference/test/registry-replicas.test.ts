/**
 * Inference replicas behind registry replicas on one PostgreSQL: each
 * inference process follows the alias feed of a different registry replica,
 * so an alias moved through one registry reaches the inference replica
 * watching the other only through PostgreSQL's LISTEN/NOTIFY.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, inference, registry } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, issueApiKey, openPostgresKeyStore, unary } from '@l1g1/kit';
import { buildMlp } from '@l1g1/onnx';
import { loadRegistryConfig, startModelRegistry, type RunningModelRegistry } from '@l1g1/model-registry';
import { loadInferenceConfig, startInference, type RunningInference } from '@l1g1/inference';
import { usePostgres } from '../../../test/support/postgres';
import { uploadModel } from '../../../test/support/stack';

const SECRET = 'inference-replicas-secret';

function model(seed: number): Uint8Array {
  return buildMlp({ inputSize: 4, hiddenSizes: [8], outputSize: 3, seed, softmax: true, inputName: 'features', outputName: 'probabilities', precision: 'fp32' });
}

describe('inference: two replicas, each behind its own registry replica on one PostgreSQL', function () {
  this.timeout(90_000);
  const pg = usePostgres();
  const dirs: string[] = [];
  const registries: RunningModelRegistry[] = [];
  const inferences: RunningInference[] = [];
  const closers: (() => void)[] = [];

  const dir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'l1g1-inf-replicas-'));
    dirs.push(d);
    return d;
  };

  after(async () => {
    for (const close of closers) close();
    for (const i of inferences) await i.stop();
    for (const r of registries) await r.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serves the new version on both inference replicas after an alias move through one registry', async () => {
    const logger = createSilentLogger();
    const keys = await openPostgresKeyStore({ url: pg.url });
    const adminKey = (await issueApiKey(keys, { name: 'tests', scopes: ['admin'] })).plaintext;
    await keys.close();
    // The registries share one artifact folder (as they would share a bucket); metadata is in PostgreSQL.
    const registryDir = dir();
    for (let i = 0; i < 2; i++) {
      registries.push(
        await startModelRegistry(
          loadRegistryConfig({ L1G1_DATA_DIR: registryDir, L1G1_REGISTRY_ADDR: '127.0.0.1:0', L1G1_DATABASE_URL: pg.url, L1G1_INTERNAL_SECRET: SECRET }),
          { logger },
        ),
      );
    }
    for (const reg of registries) {
      inferences.push(
        await startInference(
          loadInferenceConfig({
            L1G1_DATA_DIR: dir(),
            L1G1_INFERENCE_ADDR: '127.0.0.1:0',
            L1G1_INFERENCE_METRICS_PORT: '-1',
            L1G1_REGISTRY_ADDR: reg.address,
            L1G1_DATABASE_URL: pg.url,
            L1G1_INTERNAL_SECRET: SECRET,
          }),
          { logger },
        ),
      );
    }
    const [regA, regB] = registries.map((r) => {
      const c = createGrpcClient(registry.ModelRegistryServiceClient, r.address, { identity: { apiKey: adminKey } });
      closers.push(() => c.close());
      return c;
    }) as [registry.ModelRegistryServiceClient, registry.ModelRegistryServiceClient];
    const infClients = inferences.map((i) => {
      const c = createGrpcClient(inference.InferenceServiceClient, i.address, { identity: { apiKey: adminKey } });
      closers.push(() => c.close());
      return c;
    });
    const servedVersion = async (client: inference.InferenceServiceClient): Promise<number> =>
      (
        await unary(client.predict.bind(client), {
          model: { name: 'shared', selector: undefined }, // the production alias
          precision: common.Precision.PRECISION_FP32,
          inputs: [{ name: 'features', datatype: common.DataType.DATA_TYPE_FP32, shape: [1, 4], rawData: Buffer.from(Float32Array.from([1, 2, 3, 4]).buffer) }],
          outputNames: [],
          metadata: {},
          requestId: '',
        })
      ).modelVersion;

    await uploadModel(regA, 'shared', model(1));
    await uploadModel(regA, 'shared', model(2));
    await unary(regA.setAlias.bind(regA), { modelName: 'shared', alias: 'production', version: 1 });
    assert.deepEqual(await Promise.all(infClients.map(servedVersion)), [1, 1]);

    await unary(regB.setAlias.bind(regB), { modelName: 'shared', alias: 'production', version: 2 });
    // Bounded wait for the hot swap on each replica (no timing is asserted, only the outcome).
    const served: number[] = [];
    for (const [i, client] of infClients.entries()) {
      let version = 0;
      for (let tries = 0; tries < 200 && version !== 2; tries++) {
        version = await servedVersion(client);
        if (version !== 2) await new Promise((r) => setTimeout(r, 50));
      }
      served[i] = version;
    }
    assert.deepEqual(served, [2, 2], 'both inference replicas switched, the one behind registry A included');
  });
});
