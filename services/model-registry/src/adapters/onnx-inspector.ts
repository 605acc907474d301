/**
 * ArtifactInspector for ONNX, over `readOnnxSignature` from @l1g1/onnx. Small
 * models are parsed in place (well under a millisecond); large ones in a
 * worker thread, so that parsing hundreds of MiB never stalls the event loop
 * that serves every other call and watch stream.
 */
import { errors } from '@l1g1/kit';
import { InvalidOnnxError, readOnnxSignature, type OnnxSignature } from '@l1g1/onnx';
import { Worker } from 'node:worker_threads';
import type { ArtifactInspector, InspectedArtifact } from '../domain/ports';
import type { Signature } from '../domain/types';

/** Artifacts up to this size are parsed on the calling thread by default. */
export const DEFAULT_INLINE_INSPECT_BYTES = 16 * 1024 * 1024;

/** Options of {@link createOnnxInspector}. */
export interface OnnxInspectorOptions {
  /** Larger artifacts are parsed in a worker thread. */
  inlineMaxBytes?: number;
}

/** What the worker posts back. */
type WorkerReply = { ok: true; signature: OnnxSignature } | { ok: false; invalid: boolean; message: string };

// Evaluated as the worker's source: no separate file to locate, which keeps
// working whether this module runs from dist/ (node) or src/ (tsx in tests).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readOnnxSignature, InvalidOnnxError } = require(workerData.onnxModule);
try {
  parentPort.postMessage({ ok: true, signature: readOnnxSignature(workerData.bytes) });
} catch (err) {
  parentPort.postMessage({
    ok: false,
    invalid: err instanceof InvalidOnnxError,
    message: err instanceof Error ? err.message : String(err),
  });
}
`;

function toSignature(onnx: OnnxSignature): Signature {
  const spec = (t: OnnxSignature['inputs'][number]): Signature['inputs'][number] => ({
    name: t.name,
    datatype: t.datatype,
    shape: [...t.shape],
    dimNames: [...t.dimNames],
  });
  return { inputs: onnx.inputs.map(spec), outputs: onnx.outputs.map(spec) };
}

function invalidOnnx(message: string, cause?: unknown): Error {
  return errors.invalidArgument('chunk', message, { reason: 'INVALID_ONNX', cause });
}

function parseInWorker(bytes: Buffer): Promise<OnnxSignature> {
  // Hand the buffer over without a copy when it owns its whole ArrayBuffer
  // (the domain gives us a private one); otherwise it is cloned.
  const transferable = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { onnxModule: require.resolve('@l1g1/onnx'), bytes: view },
      transferList: transferable ? [bytes.buffer as ArrayBuffer] : [],
    });
    let settled = false;
    worker.once('message', (reply: WorkerReply) => {
      settled = true;
      if (reply.ok) resolve(reply.signature);
      else if (reply.invalid) reject(invalidOnnx(reply.message));
      else reject(errors.internal(`ONNX inspection failed: ${reply.message}`));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (!settled) reject(errors.internal('the ONNX inspection worker failed', { cause: err }));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(errors.internal(`the ONNX inspection worker exited with code ${code}`));
      settled = true;
    });
  });
}

/** Builds the ONNX inspector (format `onnx`). */
export function createOnnxInspector(options: OnnxInspectorOptions = {}): ArtifactInspector {
  const inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_INLINE_INSPECT_BYTES;
  return {
    formats: ['onnx'],
    async inspect(format: string, bytes: Buffer): Promise<InspectedArtifact> {
      if (format !== 'onnx')
        throw errors.invalidArgument('header.format', `unsupported format "${format}"; supported: onnx`);
      if (bytes.byteLength > inlineMaxBytes) return { signature: toSignature(await parseInWorker(bytes)) };
      try {
        return { signature: toSignature(readOnnxSignature(bytes)) };
      } catch (err: unknown) {
        if (err instanceof InvalidOnnxError) throw invalidOnnx(err.message, err);
        throw err;
      }
    },
  };
}
