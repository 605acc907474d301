import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchObserver, ModelIdentity } from '../domain/batcher';
import { precisionName, type ModelManager, type ModelObserver } from '../domain/model-manager';

/** The batchers and the model manager report into these; `registry` is served at /metrics. */
export interface InferenceMetrics extends BatchObserver, ModelObserver {
  readonly registry: Registry;
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * Prometheus metrics of the inference service, in the spirit of Triton's:
 * requests, queue and compute time, batch sizes, queue depth, loaded models.
 */
export function createInferenceMetrics(models: () => ModelManager | undefined): InferenceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labels = ['model', 'version', 'precision'] as const;
  const requests = new Counter({ name: 'l1g1_inference_requests_total', help: 'Predictions answered', labelNames: labels, registers: [registry] });
  const refusals = new Counter({ name: 'l1g1_inference_refused_total', help: 'Predictions refused before running (queue full, cancelled)', labelNames: [...labels, 'reason'], registers: [registry] });
  const queue = new Histogram({ name: 'l1g1_inference_queue_seconds', help: 'Time in the dynamic batcher queue', labelNames: labels, buckets: LATENCY_BUCKETS, registers: [registry] });
  const compute = new Histogram({ name: 'l1g1_inference_compute_seconds', help: 'Model run time of the batch a request rode in', labelNames: labels, buckets: LATENCY_BUCKETS, registers: [registry] });
  const batch = new Histogram({ name: 'l1g1_inference_batch_size', help: 'Rows in the batch a request rode in', labelNames: labels, buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers: [registry] });
  new Gauge({
    name: 'l1g1_inference_queue_depth',
    help: 'Requests waiting in each loaded model\'s batcher',
    labelNames: labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const { model } of models()?.list() ?? []) {
        this.set({ model: model.name, version: String(model.version), precision: precisionName(model.precision) }, model.batcher.queued);
      }
    },
  });
  new Gauge({
    name: 'l1g1_inference_loaded_models',
    help: 'Model versions (per precision) loaded on workers',
    registers: [registry],
    collect() {
      this.set(models()?.list().length ?? 0);
    },
  });
  new Gauge({
    name: 'l1g1_inference_loaded_bytes',
    help: 'Sum of the artifact sizes of loaded models (bounded by L1G1_INFERENCE_MAX_LOADED_BYTES)',
    registers: [registry],
    collect() {
      this.set(models()?.loadedBytes ?? 0);
    },
  });
  const unloads = new Counter({
    name: 'l1g1_inference_model_unloads_total',
    help: 'Models unloaded, by reason (lru, idle, requested, replaced, deleted, shutdown)',
    labelNames: [...labels, 'reason'],
    registers: [registry],
  });
  const key = (m: ModelIdentity) => ({ model: m.name, version: String(m.version), precision: m.precisionName });
  return {
    registry,
    answered(m, t) {
      const l = key(m);
      requests.inc(l);
      queue.observe(l, t.queueUs / 1e6);
      compute.observe(l, t.computeUs / 1e6);
      batch.observe(l, t.batchSize);
    },
    refused(m, reason) {
      refusals.inc({ ...key(m), reason });
    },
    unloaded(m, reason) {
      unloads.inc({ ...key(m), reason });
    },
  };
}
