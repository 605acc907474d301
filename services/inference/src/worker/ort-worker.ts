/**
 * Worker thread that owns one onnxruntime-node session. `session.run` blocks
 * the thread it runs on (onnxruntime issue #19611), so it never runs on the
 * event loop that serves gRPC: the main thread only routes bytes here.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { FromWorker, OrtType, ToWorker, WireTensor, WorkerInit } from './protocol';

const port = parentPort;
if (!port) throw new Error('ort-worker must run in a worker thread');
const init = workerData as WorkerInit;

/** Epoch milliseconds with sub-millisecond precision (comparable across threads). */
const nowMs = (): number => performance.timeOrigin + performance.now();

type OrtData = ArrayBufferView;

const VIEW: Record<Exclude<OrtType, 'string'>, (b: ArrayBuffer) => OrtData> = {
  float32: (b) => new Float32Array(b),
  float16: (b) => new Uint16Array(b),
  float64: (b) => new Float64Array(b),
  int8: (b) => new Int8Array(b),
  uint8: (b) => new Uint8Array(b),
  int16: (b) => new Int16Array(b),
  uint16: (b) => new Uint16Array(b),
  int32: (b) => new Int32Array(b),
  uint32: (b) => new Uint32Array(b),
  int64: (b) => new BigInt64Array(b),
  uint64: (b) => new BigUint64Array(b),
  bool: (b) => new Uint8Array(b),
};

function toOrt(t: WireTensor): ort.Tensor {
  if (t.type === 'string') return new ort.Tensor('string', t.data as string[], t.dims);
  // ORT's overloads pair each type literal with its typed array; VIEW builds
  // exactly that pairing, which the union type cannot express to tsc.
  return new ort.Tensor(t.type as 'float32', VIEW[t.type](t.data as ArrayBuffer) as Float32Array, t.dims);
}

function fromOrt(t: ort.Tensor): { wire: WireTensor; transfer?: ArrayBuffer } {
  if (t.type === 'string') return { wire: { type: 'string', dims: [...t.dims], data: t.data as string[] } };
  const view = t.data as ArrayBufferView;
  // Copy out of ORT's buffer (it may be shared / larger) into one we can transfer.
  const buf = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
  return { wire: { type: t.type as OrtType, dims: [...t.dims], data: buf }, transfer: buf };
}

async function main(): Promise<void> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(init.modelBytes, {
      intraOpNumThreads: init.intraOpNumThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
  } catch (err) {
    port!.postMessage({ kind: 'load-error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
    return;
  }
  port!.on('message', (msg: ToWorker) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = toOrt(t);
    const startedAtMs = nowMs();
    session.run(feeds, msg.outputNames).then(
      (results) => {
        const endedAtMs = nowMs();
        // At least 1 µs: a run always takes time, and 0 would read as "not measured".
        const computeUs = Math.max(1, Math.round((endedAtMs - startedAtMs) * 1000));
        const outputs: Record<string, WireTensor> = {};
        const transfer: ArrayBuffer[] = [];
        for (const name of msg.outputNames) {
          const r = results[name];
          if (!r) continue;
          const { wire, transfer: t } = fromOrt(r);
          outputs[name] = wire;
          if (t) transfer.push(t);
        }
        port!.postMessage({ kind: 'result', id: msg.id, outputs, computeUs, startedAtMs, endedAtMs } satisfies FromWorker, transfer);
      },
      (err: unknown) => {
        port!.postMessage({
          kind: 'run-error',
          id: msg.id,
          message: err instanceof Error ? err.message : String(err),
        } satisfies FromWorker);
      },
    );
  });
  port!.postMessage({ kind: 'ready' } satisfies FromWorker);
}

void main();
