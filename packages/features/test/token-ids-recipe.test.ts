import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { entitySpans, fnv1a32, parseTokenIdsTag, preprocessRecipeName, preprocessTag, HASHED_NGRAM_DEFAULTS, textTokenIds, tokenIdsPreprocessTag } from '../src';

const invalid = (field: string, text?: string) => (e: unknown) =>
  e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field && (text === undefined || e.message.includes(text));

describe('token ids recipe (the token tagger\'s `preprocess` tag)', () => {
  it('writes the trainer\'s tag and parses it back to the same sizes', () => {
    const tag = tokenIdsPreprocessTag({ vocabSize: 512, maxTokens: 40 });
    // The keys the trainer wrote before the recipe moved here: tags already in registries must keep parsing.
    assert.deepEqual(Object.keys(JSON.parse(tag) as object).sort(), ['hash', 'lowercase', 'max_tokens', 'normalize', 'offsets', 'padding_id', 'recipe', 'tag_scheme', 'token_pattern', 'vocab_size']);
    const written = String.raw`{"recipe":"token_ids_v1","token_pattern":"[\\p{L}\\p{N}\\p{M}_]+|[^\\s\\p{L}\\p{N}\\p{M}_]","offsets":"unicode_code_points","normalize":"NFKC","lowercase":false,"hash":"fnv1a32_utf8","vocab_size":512,"max_tokens":40,"padding_id":-1,"tag_scheme":"iob2"}`;
    assert.deepEqual(parseTokenIdsTag(written), { vocabSize: 512, maxTokens: 40 });
    assert.deepEqual(parseTokenIdsTag(tag), { vocabSize: 512, maxTokens: 40 });
    assert.equal(preprocessRecipeName(tag), 'token_ids_v1');
    assert.equal(preprocessRecipeName(preprocessTag({ ...HASHED_NGRAM_DEFAULTS, metadataFields: [] })), 'hashed_ngrams/v1');
    assert.equal(preprocessRecipeName('not json'), undefined);
  });

  it('refuses a tag of another recipe or with other fixed steps, naming the key', () => {
    const tagWith = (over: Record<string, unknown>) => JSON.stringify({ ...(JSON.parse(tokenIdsPreprocessTag({ vocabSize: 512, maxTokens: 40 })) as object), ...over });
    assert.throws(() => parseTokenIdsTag('{nope'), invalid('preprocess'));
    assert.throws(() => parseTokenIdsTag(tagWith({ recipe: 'hashed_ngrams/v1' })), invalid('preprocess.recipe'));
    assert.throws(() => parseTokenIdsTag(tagWith({ lowercase: true })), invalid('preprocess.lowercase'));
    assert.throws(() => parseTokenIdsTag(tagWith({ hash: 'md5' })), invalid('preprocess.hash'));
    assert.throws(() => parseTokenIdsTag(tagWith({ vocab_size: 1 })), invalid('preprocess.vocab_size'));
    assert.throws(() => parseTokenIdsTag(tagWith({ max_tokens: '40' })), invalid('preprocess.max_tokens'));
  });

  it('text → tokens with code-point offsets and ids fnv1a32(NFKC(token)) mod vocab, at most max_tokens', () => {
    const { tokens, ids } = textTokenIds('😀 Ａnna, Oslo', { vocabSize: 1000, maxTokens: 3 });
    assert.deepEqual(tokens, [
      { text: '😀', start: 0, end: 1 },
      { text: 'Ａnna', start: 2, end: 6 },
      { text: ',', start: 6, end: 7 },
    ]);
    assert.deepEqual(ids, [fnv1a32('😀') % 1000, fnv1a32('Anna') % 1000, fnv1a32(',') % 1000]);
  });

  it('malformed spans name the caller\'s field and the record', () => {
    const record = { id: 'rec-9', data: 'Anna', metadata: { ents: '[{"start":0,"end":9,"label":"PER"}]' } };
    assert.throws(() => entitySpans(record, 'ents', 4), invalid('data.label_field', 'rec-9'));
    assert.throws(() => entitySpans(record, 'ents', 4, 0, 'label_field'), invalid('label_field', 'rec-9'));
  });
});
