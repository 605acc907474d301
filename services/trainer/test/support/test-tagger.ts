/**
 * A real token tagger for tests of its clients (evaluator, labeling): a small
 * BiGRU trained for a few steps by the trainer's own library on generated
 * entity sentences (LOC, ORG, PER), exported to ONNX, with the tags the
 * trainer registers (`preprocess` token_ids_v1, IOB2 `class_names`). Partly
 * trained on purpose: it tags some entities right and some wrong, and its
 * probabilities vary, so clients' decoding and ranking are exercised.
 * Seconds on a CPU.
 */
import { AdamW, train } from '../../src/engine';
import { exportOnnx } from '../../src/export';
import { createModel, type TokenTagger } from '../../src/models';
import { useCpuBackend } from '../export-helpers';
import { entitySentences } from './entity-sentences';

export const TEST_TAGGER_CONFIG = { vocabSize: 512, embeddingDim: 16, charEmbeddingDim: 0, hiddenSize: 12, numLayers: 1, maxTokens: 64, tagScheme: 1, dropout: 0 };

export interface TestTagger {
  onnx: Uint8Array;
  /** The registry tags the trainer writes: `preprocess`, `class_names` (JSON array of IOB2 tags). */
  tags: Record<string, string>;
  classNames: string[];
}

export async function trainTestTagger(opts: { examples?: number; epochs?: number; seed?: number } = {}): Promise<TestTagger> {
  await useCpuBackend();
  const model = createModel({ architecture: { $case: 'tokenTagger', value: TEST_TAGGER_CONFIG } }, ['LOC', 'ORG', 'PER'], 3) as unknown as TokenTagger;
  try {
    const examples = model.featurize(entitySentences(opts.examples ?? 96, 5, false));
    const optimizer = new AdamW({ learningRate: 0.03 });
    await train({ epochs: opts.epochs ?? 2, batchSize: 16, optimizer, seed: opts.seed ?? 42 }, model.trainable, async function* () {
      yield* examples;
    });
    optimizer.dispose();
    const onnx = exportOnnx(model.exportSpec(), { precision: 'fp32' }).bytes;
    const classNames = [...model.classNames];
    return { onnx, tags: { ...model.tags(), class_names: JSON.stringify(classNames) }, classNames };
  } finally {
    model.dispose();
  }
}
