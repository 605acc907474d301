import { createHash } from 'node:crypto';
import { common, registry } from '@l1g1/contracts';
import { Metadata } from '@grpc/grpc-js';
import { createGrpcClient, fromServiceError, unary, L1g1Error, type ClientIdentity } from '@l1g1/kit';
import { buildDemoClassifier } from '@l1g1/onnx';

const MODEL = 'demo';

function upload(client: registry.ModelRegistryServiceClient, bytes: Uint8Array, header: Partial<registry.UploadHeader>, method: 'createVersion' | 'addVariant'): Promise<registry.ModelVersion> {
  return new Promise((resolve, reject) => {
    const call = client[method](new Metadata(), { deadline: Date.now() + 30_000 }, (err, v) => (err ? reject(fromServiceError(err)) : resolve(v)));
    call.write({ payload: { $case: 'header', value: registry.UploadHeader.fromPartial({ modelName: MODEL, ...header }) } });
    for (let off = 0; off < bytes.length; off += 64 * 1024) call.write({ payload: { $case: 'chunk', value: Buffer.from(bytes.subarray(off, off + 64 * 1024)) } });
    call.end();
  });
}

/**
 * Registers the demo classifier (iris-like, 4 features -> 3 probabilities)
 * as `demo` with alias `production`, plus fp16 and int8 variants. Idempotent:
 * a registry that already serves the same bytes is left as it is. The
 * audit actor is `identity`'s name (the launcher's service principal).
 */
export async function ensureDemoModel(registryAddress: string, identity: ClientIdentity): Promise<registry.ModelVersion> {
  const client = createGrpcClient(registry.ModelRegistryServiceClient, registryAddress, { defaultDeadlineMs: 10_000, identity });
  try {
    const fp32 = buildDemoClassifier({ precision: 'fp32' });
    const sha = createHash('sha256').update(fp32).digest('hex');
    try {
      const current = await unary(client.resolveModel.bind(client), { name: MODEL, selector: { $case: 'alias', value: 'production' } });
      if (current.artifacts.some((a) => a.sha256 === sha)) return current;
    } catch (err) {
      if (!(err instanceof L1g1Error && err.kind === 'NOT_FOUND')) throw err;
    }
    const v = await upload(client, fp32, {
      precision: common.Precision.PRECISION_FP32,
      createModel: true,
      description: 'Demo iris-like classifier: features [sepal length, sepal width, petal length, petal width] (cm) -> probabilities [setosa, versicolor, virginica]',
      tags: { source: 'launcher', task: 'classification', class_names: 'setosa,versicolor,virginica' },
    }, 'createVersion');
    await upload(client, buildDemoClassifier({ precision: 'fp16' }), { version: v.version, precision: common.Precision.PRECISION_FP16 }, 'addVariant');
    await upload(client, buildDemoClassifier({ precision: 'int8' }), { version: v.version, precision: common.Precision.PRECISION_INT8 }, 'addVariant');
    await unary(client.setAlias.bind(client), { modelName: MODEL, alias: 'production', version: v.version });
    return v;
  } finally {
    client.close();
  }
}
