/**
 * The trainer's model library. The job runner's one entry point:
 *
 *   createModel(architecture: ArchitectureSpec-like, classNames: string[], seed: number,
 *               options?: { optimizer?: { beta1, beta2, epsilon, weightDecay } })
 *     → BuiltModel<E> {
 *         kind, classNames,
 *         trainable,                       // pass to train(options, trainable, data)
 *         featurize(records, labelField?), // {data, metadata}[] → examples E[]
 *         evaluate(examples, batchSize?),  // { loss, accuracy, macro_f1, examples }
 *         exportSpec(),                    // → exportOnnx(spec, { precision })
 *         tags(),                          // registry tags, e.g. preprocess (JSON)
 *         dispose(),
 *       }
 *
 * Bad specs throw INVALID_ARGUMENT naming the field (`architecture.text_classifier.vocab_size`).
 *
 * Adding an architecture: add its entry to `MODEL_ARCHITECTURES` (create-model.ts): a `check`
 * (validate the spec's fields, build nothing) and a `create` (→ BuiltModel). That one entry is
 * what the trainer service reads: resolve-spec accepts the case and validates it through `check`
 * on CreateTrainingJob, the job's worker thread builds it through `create`, featurizes the
 * snapshot's records with its `featurize`, reports every numeric field of `evaluate()` as
 * `val_<name>`, and exports + registers `exportSpec()` with `tags()`. Nothing in the service
 * names an architecture.
 */
export { type BuiltModel } from './built-model';
export { type RecordInput, recordText, labelIndex } from './record-input';
export { type ClassificationMetrics, classificationMetrics, macroF1 } from './metrics';
export { type SparseAdamW } from './sparse-adamw';
export { type LocalBag, type SparseEmbedding, createSparseEmbedding } from './sparse-embedding';
export { type TextExample, type TextClassifierConfig, createTextClassifier, textClassifierConfig, TEXT_CLASSIFIER_PADDING } from './text-classifier';
export {
  type ArchitectureInput,
  type ArchitectureBuilder,
  type ArchitectureCase,
  type ArchitectureValue,
  type CreateModelOptions,
  MODEL_ARCHITECTURES,
  checkModelArchitecture,
  createModel,
  implementedArchitectures,
  withFieldPrefix,
} from './create-model';
export { type MlpConfig, createMlp, mlpConfig, parseFeatureRecord } from './mlp';
export { type LoraConfig, type LoraModel, type FeatureExample, createLoraModel, layerNames, loraConfig } from './lora';
