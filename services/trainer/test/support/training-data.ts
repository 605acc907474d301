/**
 * Small labelled snapshots for trainer tests, published through the real
 * ingestion service's publisher (Parquet, blob store, manifest): records hold
 * a JSON array of features and metadata `label` / `split`.
 */
import { createHash } from 'node:crypto';
import { trainer } from '@l1g1/contracts';
import type { StoredRecord } from '../../../ingestion/src/domain/snapshot/stored-record';
import type { TestIngestion } from '../../../ingestion/test/support/start-ingestion';
import { publishTestSnapshot } from '../../../ingestion/test/support/publish-test-snapshot';

/** Two separable classes in `dim` dimensions: label "pos" when the feature sum is positive. */
export function separableRecords(count: number, dim: number, options: { labelled?: boolean; validationEvery?: number } = {}): StoredRecord[] {
  const labelled = options.labelled ?? true;
  const out: StoredRecord[] = [];
  for (let i = 0; i < count; i++) {
    // A fixed, deterministic spread of points (no Math.random: the data must be the same every run).
    const x = Array.from({ length: dim }, (_, d) => Math.sin(i * 12.9898 + d * 78.233) * 2);
    const sum = x.reduce((a, b) => a + b, 0);
    const text = JSON.stringify(x.map((v) => Math.round(v * 1e4) / 1e4));
    const split = options.validationEvery && i % options.validationEvery === 0 ? 'validation' : 'train';
    out.push({
      id: createHash('sha256').update(text).update(String(i)).digest('hex'),
      modality: 'table_row',
      contentType: 'application/json',
      data: Buffer.from(text),
      metadata: labelled ? { label: sum > 0 ? 'pos' : 'neg', split } : { split },
    });
  }
  return out;
}

/** Publishes `records` as a new snapshot of `dataset`; returns its version. */
export async function publishRecords(ing: TestIngestion, dataset: string, records: readonly StoredRecord[]): Promise<number> {
  const row = await publishTestSnapshot(ing.deps, dataset, records);
  return row.version;
}

/** A minimal valid spec: a small MLP on `dataset`, 1 epoch. */
export function mlpSpec(dataset: string, over: { config?: Partial<trainer.TrainConfig> } = {}): trainer.TrainingSpec {
  return trainer.TrainingSpec.fromPartial({
    architecture: { architecture: { $case: 'mlp', value: { inputDim: 4, hiddenUnits: [8], activation: 0, dropout: 0 } } },
    data: { dataset: { name: dataset, snapshot: 0 } },
    config: { epochs: 1, batchSize: 8, ...over.config },
  });
}

