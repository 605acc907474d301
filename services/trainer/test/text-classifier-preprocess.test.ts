import { strict as assert } from 'node:assert';
import { featurizeBatch, featurizeRecord, parsePreprocessTag, recipeText } from '@l1g1/features';
import { padIdLists } from '../src/export';
import { createModel, type BuiltModel, type TextExample } from '../src/models';
import type { trainer } from '@l1g1/contracts';
import { spamAssassinSnapshot } from './support/spam-assassin';
import { useCpuBackend } from './export-helpers';

const UNSET: trainer.TextClassifierSpec = { features: 1, vocabSize: 0, wordNgramMax: 0, charNgramMin: 0, charNgramMax: 0, maxTokens: 0, embeddingDim: 0, encoderHiddenSize: 0, hiddenUnits: [], dropout: 0, multiLabel: false };

/**
 * A client (the evaluator, the inference service's raw-text input) holds only the registry's
 * `preprocess` tag and @l1g1/features: from those it must compute exactly the ids the model was
 * trained on, or the served model sees other features than it learned.
 */
describe('text classifier preprocess tag → @l1g1/features reproduces the trainer’s ids', function () {
  this.timeout(120_000);
  before(useCpuBackend);

  const specs: [string, trainer.TextClassifierSpec][] = [
    ['the defaults', UNSET],
    ['char n-grams, case kept, a small vocab and few tokens', { ...UNSET, vocabSize: 5003, wordNgramMax: 1, charNgramMin: 3, charNgramMax: 4, lowercase: false, maxTokens: 40, embeddingDim: 4 }],
  ];
  for (const [name, value] of specs) {
    it(`real mails, ${name}: same ids per record and the same padded matrix`, async () => {
      const mails = await spamAssassinSnapshot(60);
      const model = createModel({ architecture: { $case: 'textClassifier', value } }, ['ham', 'spam'], 1) as BuiltModel<TextExample>;
      const trained = model.featurize(mails).map((e) => e.ids);
      const recipe = parsePreprocessTag(model.tags().preprocess ?? '');
      model.dispose();

      assert.ok(mails.length > 50 && trained.every((ids) => ids.length > 0));
      assert.deepEqual(mails.map((m) => featurizeRecord(m, recipe)), trained);
      assert.deepEqual(featurizeBatch(mails.map((m) => recipeText(m, recipe.metadataFields)), recipe), padIdLists(trained));
    });
  }
});
