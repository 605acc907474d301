/**
 * Checks an EvaluateRequest on its own (no I/O) and fills in the defaults;
 * every refusal is INVALID_ARGUMENT naming the field. Facts that need the
 * registry or ingestion (split, label field, signature) are checked by
 * planEvaluation.
 */
import { common, evaluator, precisionName } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { DEFAULT_CALIBRATION_BINS } from '../../metrics/calibration';

export const EVALUATE_LIMITS = {
  maxBatchSize: 4096,
  defaultBatchSize: 64,
  maxCalibrationBins: 1000,
  maxClassNames: 10_000,
  maxTags: 32,
  /** Language modeling: input tokens per window (the trainer's max_steps bound). */
  maxWindow: 4096,
} as const;

/** The request with defaults filled in, as EvaluationRun.request echoes it. */
export function checkEvaluateRequest(req: evaluator.EvaluateRequest): evaluator.EvaluateRequest {
  if (!req.model?.name) throw errors.invalidArgument('model.name', 'is required');
  if (req.model.selector?.$case === 'version' && req.model.selector.value < 1) throw errors.invalidArgument('model.version', 'must be 1 or more');
  if (precisionName(req.precision) === undefined) throw errors.invalidArgument('precision', `unknown precision ${req.precision}`);
  if (!req.dataset?.name) throw errors.invalidArgument('dataset.name', 'is required');
  if (req.dataset.snapshot < 0) throw errors.invalidArgument('dataset.snapshot', 'must be 0 (latest) or a snapshot number');
  if (req.split.length > 128) throw errors.invalidArgument('split', 'must be at most 128 characters');
  if (req.labelField.length > 128) throw errors.invalidArgument('label_field', 'must be at most 128 characters');
  if (req.task === evaluator.EvalTask.EVAL_TASK_MULTI_LABEL_CLASSIFICATION) {
    throw errors.invalidArgument('task', 'multi-label evaluation is not supported yet; use classification');
  }
  if (!Object.values(evaluator.EvalTask).includes(req.task) || req.task === evaluator.EvalTask.UNRECOGNIZED) throw errors.invalidArgument('task', `unknown task ${req.task}`);
  if (req.classNames.length > EVALUATE_LIMITS.maxClassNames) throw errors.invalidArgument('class_names', `at most ${EVALUATE_LIMITS.maxClassNames}`);
  if (new Set(req.classNames).size !== req.classNames.length || req.classNames.some((c) => c === '')) {
    throw errors.invalidArgument('class_names', 'must be distinct and non-empty');
  }
  if (req.positiveClass && req.classNames.length > 0 && !req.classNames.includes(req.positiveClass)) {
    throw errors.invalidArgument('positive_class', `"${req.positiveClass}" is not among class_names`);
  }
  if (req.calibrationBins < 0 || req.calibrationBins > EVALUATE_LIMITS.maxCalibrationBins) {
    throw errors.invalidArgument('calibration_bins', `must be from 0 (default ${DEFAULT_CALIBRATION_BINS}) to ${EVALUATE_LIMITS.maxCalibrationBins}`);
  }
  if (req.batchSize < 0 || req.batchSize > EVALUATE_LIMITS.maxBatchSize) {
    throw errors.invalidArgument('batch_size', `must be from 0 (default ${EVALUATE_LIMITS.defaultBatchSize}) to ${EVALUATE_LIMITS.maxBatchSize}`);
  }
  if (!Number.isSafeInteger(req.maxRecords) || req.maxRecords < 0) throw errors.invalidArgument('max_records', 'must be 0 (all) or a positive count');
  if (req.seed !== undefined && !Number.isSafeInteger(req.seed)) throw errors.invalidArgument('seed', 'must be an integer');
  const tags = Object.entries(req.tags);
  if (tags.length > EVALUATE_LIMITS.maxTags) throw errors.invalidArgument('tags', `at most ${EVALUATE_LIMITS.maxTags} tags`);
  for (const [k, v] of tags) {
    if (k.length === 0 || k.length > 128 || v.length > 1024) throw errors.invalidArgument(`tags.${k.slice(0, 64)}`, 'keys are 1-128 characters, values at most 1024');
  }
  if (req.window < 0 || req.window > EVALUATE_LIMITS.maxWindow) throw errors.invalidArgument('window', `must be from 0 (the model's training seq_len) to ${EVALUATE_LIMITS.maxWindow}`);
  if (req.idempotencyKey.length > 200) throw errors.invalidArgument('idempotency_key', 'must be at most 200 characters');
  return evaluator.EvaluateRequest.fromPartial({
    ...req,
    precision: req.precision === common.Precision.PRECISION_UNSPECIFIED ? common.Precision.PRECISION_FP32 : req.precision,
    split: req.split || 'test',
    labelField: req.labelField || 'label',
    calibrationBins: req.calibrationBins || DEFAULT_CALIBRATION_BINS,
    batchSize: req.batchSize || EVALUATE_LIMITS.defaultBatchSize,
    seed: req.seed ?? 0,
  });
}
