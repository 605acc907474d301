/**
 * The trainer's client of the model registry: uploads an exported model as
 * a new version (fp32, with signature read by the registry, metrics, tags
 * and lineage), adds precision variants to it, and points an alias at it.
 */
import { Metadata } from '@grpc/grpc-js';
import { common, registry } from '@l1g1/contracts';
import { fromServiceError, unary, type L1g1Error } from '@l1g1/kit';

/** Upload chunks: well under grpc-js's default 4 MiB message limit. */
const CHUNK_BYTES = 256 * 1024;
/** Deadline of a version lookup (a metadata read). */
const RESOLVE_DEADLINE_MS = 10_000;
/** Deadline of one upload (a model of a few hundred MB over loopback fits easily). */
const UPLOAD_DEADLINE_MS = 120_000;

export interface RegistrationInput {
  modelName: string;
  description: string;
  tags: Record<string, string>;
  metrics: Record<string, number>;
  lineage: registry.Lineage;
}

export interface Registrar {
  /** A new version from fp32 bytes; the model is created when missing. */
  createVersion(input: RegistrationInput, fp32: Uint8Array): Promise<{ name: string; version: number }>;
  addVariant(name: string, version: number, precision: common.Precision, bytes: Uint8Array): Promise<void>;
  setAlias(name: string, alias: string, version: number): Promise<void>;
  /** The version `ref` names (an alias, a number, or the production alias); NOT_FOUND passes through. */
  resolve(ref: common.ModelRef): Promise<{ name: string; version: number; tags: Record<string, string> }>;
}

function upload(client: registry.ModelRegistryServiceClient, method: 'createVersion' | 'addVariant', header: registry.UploadHeader, bytes: Uint8Array): Promise<registry.ModelVersion> {
  return new Promise((resolve, reject) => {
    const call = client[method](new Metadata(), { deadline: Date.now() + UPLOAD_DEADLINE_MS }, (err, res) => (err ? reject(fromServiceError(err) as L1g1Error) : resolve(res)));
    call.write({ payload: { $case: 'header', value: header } });
    for (let off = 0; off < bytes.length; off += CHUNK_BYTES) {
      call.write({ payload: { $case: 'chunk', value: Buffer.from(bytes.subarray(off, off + CHUNK_BYTES)) } });
    }
    call.end();
  });
}

export function createRegistryRegistrar(client: registry.ModelRegistryServiceClient): Registrar {
  return {
    async createVersion(input, fp32) {
      const v = await upload(
        client,
        'createVersion',
        registry.UploadHeader.fromPartial({
          modelName: input.modelName,
          createModel: true,
          precision: common.Precision.PRECISION_FP32,
          description: input.description,
          tags: input.tags,
          metrics: input.metrics,
          lineage: input.lineage,
          expectedSizeBytes: fp32.byteLength,
        }),
        fp32,
      );
      return { name: v.modelName, version: v.version };
    },
    async addVariant(name, version, precision, bytes) {
      await upload(client, 'addVariant', registry.UploadHeader.fromPartial({ modelName: name, version, precision, expectedSizeBytes: bytes.byteLength }), bytes);
    },
    async setAlias(name, alias, version) {
      await unary(client.setAlias.bind(client), { modelName: name, alias, version });
    },
    async resolve(ref) {
      const v = await unary(client.resolveModel.bind(client), ref, { deadlineMs: RESOLVE_DEADLINE_MS });
      return { name: v.modelName, version: v.version, tags: v.tags };
    },
  };
}
