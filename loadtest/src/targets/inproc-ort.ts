import * as ort from 'onnxruntime-node';
import type { SendFn } from '../harness';
import type { Fp32Input } from './tensor-input';

export interface InProcessOrtTarget {
  send: SendFn;
  close(): Promise<void>;
}

/**
 * The reference: the same model bytes run by onnxruntime-node on this
 * thread, with the session options the inference workers use (one intra-op
 * thread, sequential execution). No network, no copies but ORT's own.
 */
export async function createInProcessOrtTarget(modelBytes: Uint8Array, input: Fp32Input): Promise<InProcessOrtTarget> {
  const session = await ort.InferenceSession.create(modelBytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const feeds = { [input.name]: new ort.Tensor('float32', input.values, input.shape) };
  return {
    async send() {
      await session.run(feeds);
    },
    async close() {
      await session.release();
    },
  };
}
