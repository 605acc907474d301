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
 */
export { type BuiltModel } from './built-model';
export { type RecordInput, recordText, labelIndex } from './record-input';
export { type ClassificationMetrics, classificationMetrics, macroF1 } from './metrics';
export { type SparseAdamW } from './sparse-adamw';
export { type LocalBag, type SparseEmbedding, createSparseEmbedding } from './sparse-embedding';
export { type TextExample, type TextClassifierConfig, createTextClassifier, textClassifierConfig, TEXT_CLASSIFIER_DEFAULTS, TEXT_CLASSIFIER_PADDING, TEXT_CLASSIFIER_TRAINING } from './text-classifier';
export { type ArchitectureInput, type CreateModelOptions, createModel } from './create-model';
export { type LoraConfig, type LoraModel, type FeatureExample, createLoraModel, layerNames, loraConfig } from './lora';
