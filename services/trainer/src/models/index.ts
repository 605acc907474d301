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
 * `val_<name>`, and exports + registers `exportSpec()` with `tags()` (and `class_names`).
 * Optional: `labels` (what the label field holds: `class`, `spans` or `none`; it decides the
 * class list and whether an unlabelled snapshot trains) and `trainingDefaults` (the values
 * unset TrainConfig fields take for this architecture). Nothing in the service names an
 * architecture.
 */
export { type BuiltModel } from './built-model';
export { type RecordInput, recordText, labelIndex } from './record-input';
export { type ClassificationMetrics, classificationMetrics, macroF1 } from './metrics';
export { type BatchScores, evaluateInBatches } from './batched-evaluation';
export { type DenseWeights, denseHeadSpecs } from './dense-head';
export { type SparseAdamW } from './sparse-adamw';
export { type LocalBag, type SparseEmbedding, createSparseEmbedding } from './sparse-embedding';
export { type TextExample, type TextClassifierConfig, createTextClassifier, textClassifierConfig, TEXT_CLASSIFIER_DEFAULTS, TEXT_CLASSIFIER_PADDING, TEXT_CLASSIFIER_TRAINING } from './text-classifier';
export { type TaggedExample, type TokenTagger, type TokenTaggerConfig, type TokenTaggerMetrics, createTokenTagger, tokenTaggerConfig, tokenTaggerTagNames, tokenTaggerPreprocess, TOKEN_TAGGER_RECIPE } from './token-tagger';
export { type Token, type EntitySpan, TOKEN_PATTERN, OUTSIDE_TAG, tokenize, tokenId, tokenIds, iob2TagNames, entitySpans, iob2Tags, entityTypesOf } from '@l1g1/features';
export { type TagChunk, type EntityScores, tagChunks, entityScores } from './token-tagger-metrics';
export { type ImageExample, type CnnConfig, type CnnModel, cnnConfig, createCnn } from './cnn';
export { type ImageShape, imagePixels } from './image-input';
export { type TokenWindow, type GruLmConfig, type GruLmModel, type LanguageModelMetrics, gruLmConfig, createGruLm } from './gru-lm';
// The LM's tokenizer and vocabulary live in @l1g1/features (the evaluator encodes with the same code).
export {
  type LmTokenLevel as TokenLevel,
  type LmVocabulary as Vocabulary,
  LM_UNKNOWN_TOKEN as UNKNOWN_TOKEN,
  buildLmVocabulary as buildVocabulary,
  encodeLmTokens as encodeTokens,
  tokenizeLmText as tokenizeForVocabulary,
} from '@l1g1/features';
export {
  type ArchitectureInput,
  type ArchitectureBuilder,
  type ArchitectureCase,
  type ArchitectureValue,
  type CreateModelOptions,
  type TrainingDefaults,
  type LabelKind,
  MODEL_ARCHITECTURES,
  checkModelArchitecture,
  createModel,
  implementedArchitectures,
  trainingDefaultsOf,
  labelKindOf,
  withFieldPrefix,
} from './create-model';
export { type MlpConfig, createMlp, mlpConfig, parseFeatureRecord } from './mlp';
export { type LoraConfig, type LoraModel, type FeatureExample, createLoraModel, layerNames, loraConfig } from './lora';
