/**
 * A kit job of kind `trainer.train` as the contract's TrainingJob: the
 * shared JobStatus, the stored spec, the latest figures (kept in the job's
 * progress counters), and what the result says (registration, stop reason).
 */
import { trainer } from '@l1g1/contracts';
import { toJobStatus, type Job } from '@l1g1/kit';
import { decodeTrainJobParams, decodeTrainJobResult } from './job-params';

/** Progress counter names (the job's counters, also the `/v1` JSON keys). */
export const PROGRESS_COUNTERS = {
  step: 'step',
  totalSteps: 'total_steps',
  epoch: 'epoch',
  loss: 'loss',
  learningRate: 'learning_rate',
  samplesPerSecond: 'samples_per_second',
} as const;

const VAL_PREFIX = 'val_';

/** The TrainingProgress a job's counters describe. */
export function progressFromCounters(counters: Readonly<Record<string, number>>): trainer.TrainingProgress {
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(counters)) if (k.startsWith(VAL_PREFIX)) metrics[k] = v;
  return {
    step: counters[PROGRESS_COUNTERS.step] ?? 0,
    totalSteps: counters[PROGRESS_COUNTERS.totalSteps] ?? 0,
    epoch: counters[PROGRESS_COUNTERS.epoch] ?? 0,
    round: 0,
    loss: counters[PROGRESS_COUNTERS.loss] ?? 0,
    learningRate: counters[PROGRESS_COUNTERS.learningRate] ?? 0,
    samplesPerSecond: counters[PROGRESS_COUNTERS.samplesPerSecond] ?? 0,
    metrics,
    epsilonSpent: 0,
  };
}

/** Resume state a job keeps in its kit checkpoint (JSON): the training checkpoint row it points at. */
export interface TrainJobCheckpointState {
  checkpointId: string;
}

export function toTrainingJob(job: Job): trainer.TrainingJob {
  const params = decodeTrainJobParams(job.params);
  const result = decodeTrainJobResult(job.result);
  const state = job.checkpoint?.state as { checkpoint_id?: string } | null | undefined;
  return {
    status: toJobStatus(job),
    spec: params.spec,
    progress: progressFromCounters(job.progress.counters),
    registeredModel: result.registered ? { name: result.registered.name, selector: { $case: 'version', value: result.registered.version } } : undefined,
    resumedFromCheckpoint: state?.checkpoint_id ?? params.resume?.checkpointId ?? '',
    attempt: job.attempts,
    workerId: job.workerId ?? '',
    createdBy: params.createdBy,
    tags: params.tags,
    stopReason: result.stopReason ?? '',
  };
}
