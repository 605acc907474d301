import type { TrainableModel } from '../engine/train-loop';
import type { ExportModelSpec } from '../export/layer-spec';
import type { ClassificationMetrics } from './metrics';
import type { RecordInput } from './record-input';

/**
 * What `createModel` gives the job runner, for every architecture: the variables and loss the
 * engine's `train()` needs, the featurizer from snapshot records to training examples, the
 * evaluation, and the spec `exportOnnx` writes.
 */
export interface BuiltModel<E> {
  /** The architecture (`text_classifier`, ...), as in the registry tags. */
  readonly kind: string;
  readonly classNames: readonly string[];
  /** Pass to `train(options, model.trainable, data)`. */
  readonly trainable: TrainableModel<E>;
  /**
   * Records → examples. Labels come from `metadata[labelField]` (default `label`).
   * @throws INVALID_ARGUMENT naming `data.label_field` for a missing or unknown label.
   */
  featurize(records: readonly RecordInput[], labelField?: string): E[];
  /** Loss, accuracy and macro-F1 over `examples` (no dropout), in batches of `batchSize`. */
  evaluate(examples: readonly E[], batchSize?: number): ClassificationMetrics;
  /** The trained weights as the exporter's layer chain (copies; the model stays usable). */
  exportSpec(): ExportModelSpec;
  /** Tags for the registry version (e.g. `preprocess`, the serving input recipe as JSON). */
  tags(): Record<string, string>;
  /** Frees the model's tensors. */
  dispose(): void;
}
