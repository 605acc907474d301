import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { fnv1a32, HASHED_NGRAM_DEFAULTS, hashedNgramIds, validateHashedNgramConfig, type HashedNgramConfig } from '../src';

const config = (over: Partial<HashedNgramConfig> = {}): HashedNgramConfig => ({ ...HASHED_NGRAM_DEFAULTS, ...over });

describe('hashed n-gram featurizer', () => {
  it('fnv1a32 gives the published FNV-1a 32-bit test vectors (UTF-8 bytes)', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
    // "é" is two UTF-8 bytes (c3 a9): the hash runs over bytes, not UTF-16 units
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    assert.equal(fnv1a32('é'), h);
  });

  it('follows the documented recipe: word 1..N-grams then char n-grams of <word>, id = fnv1a32(key) mod vocab', () => {
    const vocabSize = 1000;
    const ids = hashedNgramIds('Free MONEY!', config({ vocabSize, wordNgramMax: 2, charNgramMin: 5, charNgramMax: 6 }));
    const keys = ['w1:free', 'w1:money', 'w2:free money', 'c5:<free', 'c5:free>', 'c6:<free>', 'c5:<mone', 'c5:money', 'c5:oney>', 'c6:<money', 'c6:money>'];
    assert.deepEqual(ids, keys.map((k) => fnv1a32(k) % vocabSize));
  });

  it('keeps duplicates, honours lowercase=false, NFKC and max_tokens', () => {
    const c = config({ vocabSize: 1 << 20, wordNgramMax: 1, lowercase: false, maxTokens: 3 });
    const ids = hashedNgramIds('ﬁne Fine fine fine', c); // the ligature ﬁ becomes "fi" under NFKC
    assert.deepEqual(ids, ['w1:fine', 'w1:Fine', 'w1:fine'].map((k) => fnv1a32(k) % (1 << 20)));
  });

  it('an empty text gives no ids', () => {
    assert.deepEqual(hashedNgramIds('  ... ', config()), []);
  });

  it('refuses a bad config naming the field', () => {
    assert.throws(
      () => validateHashedNgramConfig(config({ vocabSize: 0 })),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'architecture.text_classifier.vocab_size',
    );
    assert.throws(
      () => validateHashedNgramConfig(config({ charNgramMin: 4, charNgramMax: 3 })),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'architecture.text_classifier.char_ngram_min',
    );
  });
});
