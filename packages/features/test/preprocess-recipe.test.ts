import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { featurize, featurizeBatch, featurizeRecord, fnv1a32, HASHED_NGRAM_DEFAULTS, parsePreprocessTag, preprocessTag, recipeText, type PreprocessRecipe } from '../src';

const recipe: PreprocessRecipe = { ...HASHED_NGRAM_DEFAULTS, vocabSize: 4096, metadataFields: ['subject', 'from'] };
const invalid = (field: string) => (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field;

describe('preprocess recipe (the `preprocess` tag)', () => {
  it('records every setting a client needs, and parses back to the same recipe', () => {
    const tag = JSON.parse(preprocessTag(recipe)) as Record<string, unknown>;
    assert.equal(tag.recipe, 'hashed_ngrams/v1');
    assert.equal(tag.hash, 'fnv1a32_utf8');
    assert.equal(tag.vocab_size, 4096);
    assert.equal(tag.padding_id, -1);
    assert.deepEqual(tag.metadata_fields, ['subject', 'from']);
    assert.deepEqual(parsePreprocessTag(preprocessTag(recipe)), recipe);
  });

  it('refuses a bad tag naming the field', () => {
    const tagWith = (over: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(preprocessTag(recipe)), ...over });
    assert.throws(() => parsePreprocessTag('{nope'), invalid('preprocess'));
    assert.throws(() => parsePreprocessTag('[1]'), invalid('preprocess'));
    assert.throws(() => parsePreprocessTag(tagWith({ recipe: 'bpe/v9' })), invalid('preprocess.recipe'));
    assert.throws(() => parsePreprocessTag(tagWith({ hash: 'md5' })), invalid('preprocess.hash'));
    assert.throws(() => parsePreprocessTag(tagWith({ vocab_size: '12' })), invalid('preprocess.vocab_size'));
    assert.throws(() => parsePreprocessTag(tagWith({ vocab_size: 0 })), invalid('preprocess.vocab_size'));
    assert.throws(() => parsePreprocessTag(tagWith({ lowercase: 1 })), invalid('preprocess.lowercase'));
    assert.throws(() => parsePreprocessTag(tagWith({ metadata_fields: [3] })), invalid('preprocess.metadata_fields'));
    assert.throws(() => parsePreprocessTag(tagWith({ char_ngram_min: 5, char_ngram_max: 3 }), 'tags.preprocess'), invalid('tags.preprocess.char_ngram_min'));
  });

  it('a record is featurized as its metadata lines, then its payload (string or UTF-8 bytes)', () => {
    const record = { data: new TextEncoder().encode('Win cash'), metadata: { from: 'a@b.c', subject: 'Hi', label: 'spam' } };
    assert.equal(recipeText(record, recipe.metadataFields), 'Hi\na@b.c\nWin cash');
    assert.deepEqual(featurizeRecord(record, recipe), featurize('Hi\na@b.c\nWin cash', recipe));
    const only = { ...recipe, wordNgramMax: 1 };
    assert.deepEqual(featurize('Win cash', only), ['w1:win', 'w1:cash'].map((k) => fnv1a32(k) % 4096));
  });

  it('a batch becomes a [rows, width] matrix padded with -1', () => {
    const only = { ...recipe, wordNgramMax: 1 };
    const { data, dims } = featurizeBatch(['a b c', 'd', ''], only);
    assert.deepEqual(dims, [3, 3]);
    const id = (w: string) => fnv1a32(`w1:${w}`) % 4096;
    assert.deepEqual(data, [id('a'), id('b'), id('c'), id('d'), -1, -1, -1, -1, -1]);
  });
});
