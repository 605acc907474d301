/**
 * Evaluation fixtures: feature records in a real ingestion snapshot
 * (published through ingestion's own publisher), and a small softmax model
 * with known weights so a test can work out every prediction by itself.
 */
import { createHash } from 'node:crypto';
import type { StoredRecord } from '../../../ingestion/src/domain/snapshot/stored-record';
import { publishTestSnapshot } from '../../../ingestion/test/support/publish-test-snapshot';
import type { TestIngestion } from '../../../ingestion/test/support/start-ingestion';
import type { MlpLayer } from '@l1g1/onnx';

export const CLASS_NAMES = ['cat', 'dog', 'eel'] as const;

export interface FeatureRecord {
  id: string;
  features: number[];
  label: string;
  split: string;
}

/**
 * `count` records of `dim` features, every third in split `test` and the
 * rest in `train`; the label is the argmax of a fixed projection, so a
 * random model is right on some and wrong on others. Records listed in
 * `unknownLabelEvery` get the label "zzz" (no such class).
 */
export function featureRecords(count: number, dim: number, options: { unknownLabelEvery?: number } = {}): FeatureRecord[] {
  const out: FeatureRecord[] = [];
  for (let i = 0; i < count; i++) {
    // Deterministic spread (no Math.random: the data must be the same every run).
    const features = Array.from({ length: dim }, (_, d) => Math.round(Math.sin(i * 12.9898 + d * 78.233) * 2e4) / 1e4);
    const scores = [0, 1, 2].map((c) => features.reduce((a, v, d) => a + v * Math.cos(c * 3.1 + d), 0));
    const label = options.unknownLabelEvery && i % options.unknownLabelEvery === 0 ? 'zzz' : (CLASS_NAMES[scores.indexOf(Math.max(...scores))] as string);
    out.push({ id: createHash('sha256').update(`${i}`).digest('hex'), features, label, split: i % 3 === 0 ? 'test' : 'train' });
  }
  return out;
}

export async function publishFeatureRecords(ing: TestIngestion, dataset: string, records: readonly FeatureRecord[]): Promise<number> {
  const stored: StoredRecord[] = records.map((r) => ({
    id: r.id,
    modality: 'table_row',
    contentType: 'application/json',
    data: Buffer.from(JSON.stringify(r.features)),
    metadata: { label: r.label, split: r.split },
  }));
  return (await publishTestSnapshot(ing.deps, dataset, stored)).version;
}

/** Softmax(x·W + b) of a one-layer model, in float64 (the served model computes in float32). */
export function softmaxLayer(layer: MlpLayer, x: readonly number[]): number[] {
  const logits = Array.from({ length: layer.outSize }, (_, j) => {
    let s = layer.bias[j] as number;
    for (let i = 0; i < layer.inSize; i++) s += (x[i] as number) * (layer.weight[i * layer.outSize + j] as number);
    return s;
  });
  const max = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}
