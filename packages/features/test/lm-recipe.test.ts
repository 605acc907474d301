/**
 * The language model's tokenizer, vocabulary and `preprocess` tag, shared by
 * the trainer (which writes the tag) and the evaluator (which feeds the model
 * from it): a tag round-trips to the same ids, and a damaged tag is refused
 * naming the key, never half-read.
 */
import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { buildLmVocabulary, encodeLmTokens, isLmRecipeTag, lmRecipeTag, lmStreamTexts, parseLmRecipeTag, preprocessTag, HASHED_NGRAM_DEFAULTS, tokenizeLmText } from '../src';

const invalid = (field: string) => (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field;

describe('language-model recipe (@l1g1/features)', () => {
  it('word level keeps inner apostrophes and single punctuation, drops whitespace; char level is one token per code point', () => {
    assert.deepEqual(tokenizeLmText("It's 2 o'clock, Ahab!", 'word'), ["It's", '2', "o'clock", ',', 'Ahab', '!']);
    assert.deepEqual(tokenizeLmText('a 😀b', 'char'), ['a', ' ', '😀', 'b']);
    assert.deepEqual(lmStreamTexts(['ab', 'c'], 'char'), ['ab', '\nc'], 'records are newline-separated at char level');
    assert.deepEqual(lmStreamTexts(['ab', 'c'], 'word'), ['ab', 'c']);
  });

  it('a tag written from a vocabulary reads back to the same ids, unknown tokens → 0', () => {
    const vocab = buildLmVocabulary(['the cat the hat'], 'word', 10);
    assert.deepEqual(vocab.tokens, ['<unk>', 'the', 'cat', 'hat']);
    const tag = lmRecipeTag({ vocabulary: vocab, seqLen: 16 });
    assert.equal(isLmRecipeTag(tag), true);
    const back = parseLmRecipeTag(tag);
    assert.equal(back.seqLen, 16);
    assert.deepEqual(encodeLmTokens(back.vocabulary, 'the dog hat'), [1, 0, 3]);
  });

  it('a hashed n-gram tag is not a language model’s; damaged tags are refused naming the key', () => {
    assert.equal(isLmRecipeTag(preprocessTag({ ...HASHED_NGRAM_DEFAULTS, metadataFields: [] })), false);
    assert.equal(isLmRecipeTag('not json'), false);
    const good = { input: 'token_ids', level: 'char', vocabulary: ['<unk>', 'a'], unknown_id: 0, seq_len: 8 };
    const tag = (over: Record<string, unknown>) => JSON.stringify({ ...good, ...over });
    assert.throws(() => parseLmRecipeTag('[1]'), invalid('preprocess'));
    assert.throws(() => parseLmRecipeTag(tag({ level: 'byte' })), invalid('preprocess.level'));
    assert.throws(() => parseLmRecipeTag(tag({ vocabulary: ['a', '<unk>'] })), invalid('preprocess.vocabulary'));
    assert.throws(() => parseLmRecipeTag(tag({ vocabulary: ['<unk>', 'a', 'a'] })), invalid('preprocess.vocabulary'));
    assert.throws(() => parseLmRecipeTag(tag({ unknown_id: 3 })), invalid('preprocess.unknown_id'));
    assert.throws(() => parseLmRecipeTag(tag({ seq_len: 0 })), invalid('preprocess.seq_len'));
  });
});
