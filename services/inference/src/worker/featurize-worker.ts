/**
 * Worker thread that turns raw texts into a model's hashed n-gram ids. A 5 KB
 * mail costs milliseconds to tens of milliseconds (character n-grams), so a
 * batch of them would stall the event loop that serves every other request.
 */
import { parentPort } from 'node:worker_threads';
import { featurizeBatch } from '@l1g1/features';
import type { FromFeaturizer, ToFeaturizer } from './featurize-protocol';

const port = parentPort;
if (!port) throw new Error('featurize-worker must run in a worker thread');

port.on('message', (msg: ToFeaturizer) => {
  try {
    const { data, dims } = featurizeBatch(msg.texts, msg.recipe);
    const ids = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) ids[i] = BigInt(data[i]!);
    port.postMessage({ id: msg.id, ids: ids.buffer, rows: dims[0], width: dims[1] } satisfies FromFeaturizer, [ids.buffer]);
  } catch (err) {
    port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) } satisfies FromFeaturizer);
  }
});
