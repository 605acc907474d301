/**
 * Benchmark (server-streamed): per batch size, latency percentiles and
 * throughput through the inference service, written to the stream and
 * stored as soon as that batch size is done.
 */
import { randomUUID } from 'node:crypto';
import { common, type evaluator } from '@l1g1/contracts';
import { cancellationSignal, errors, type AsyncService, type Logger } from '@l1g1/kit';
import type { ModelRegistry } from '../adapters/model-registry';
import { planBenchmark } from '../benchmark/benchmark-plan';
import { toBenchmarkResult } from '../benchmark/benchmark-result';
import type { BenchmarkStore } from '../benchmark/benchmark-store';
import { randomInputs } from '../benchmark/random-inputs';
import { measureBatch, type TimedPredictor } from '../benchmark/run-benchmark';

type Service = AsyncService<evaluator.EvaluatorServiceService>;

export interface BenchmarkHandlerDeps {
  readonly registry: ModelRegistry;
  readonly timedPredictor: TimedPredictor;
  readonly benchmarks: BenchmarkStore;
  readonly logger: Logger;
}

export function createBenchmarkHandlers(deps: BenchmarkHandlerDeps): Pick<Service, 'benchmark'> {
  return {
    async benchmark(req, call) {
      const plan = planBenchmark(req);
      const version = await deps.registry.resolve(plan.model);
      const artifact = version.artifacts.find((a) => (a.precision || common.Precision.PRECISION_FP32) === plan.precision);
      if (!artifact) throw errors.invalidArgument('precision', `${version.modelName} version ${version.version} has no such variant`);
      // Pinned: every batch size measures the same version even if an alias moves meanwhile.
      const model: common.ModelRef = { name: version.modelName, selector: { $case: 'version', value: version.version } };
      const signal = cancellationSignal(call);
      const runId = randomUUID();
      // One untimed probe: a request the service refuses (a variant marked not usable, a bad shape) fails the call with its own error.
      await deps.timedPredictor.predict(model, plan.precision, randomInputs(artifact.signature, plan.batchSizes[0]!, plan.dimValues));
      for (const batchSize of plan.batchSizes) {
        if (signal.aborted) return;
        const inputs = randomInputs(artifact.signature, batchSize, plan.dimValues);
        const m = await measureBatch(deps.timedPredictor, {
          model,
          precision: plan.precision,
          inputs,
          rowsPerRequest: batchSize,
          warmup: plan.warmup,
          iterations: plan.iterations,
          durationMs: plan.durationMs,
          concurrency: plan.concurrency,
          signal,
        });
        if (m.firstError !== undefined) deps.logger.warn({ err: m.firstError, runId, batchSize }, 'benchmark requests failed');
        const result = toBenchmarkResult(m, { runId, batchSize, model, precision: plan.precision, device: plan.device, concurrency: plan.concurrency });
        await deps.benchmarks.add(result);
        if (signal.aborted) return;
        call.write(result);
      }
    },
  };
}
