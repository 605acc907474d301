import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { contentDigestOf, contentIdOf, createExactDedupeStep, DigestSet, isNormalAscii, normalizeText } from '../src/domain/cleaning';
import { createSeededRandom } from '../src/domain/privacy';
import { textRecord } from './cleaning-support';

/** normalizeText as it was before its ASCII fast path: the reference the fast path must agree with. */
function referenceNormalize(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u200B\u2060\uFEFF]/g, '')
    .replace(/[\t\p{Zs}]+/gu, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function sha256(bytes: Uint8Array | string): Buffer {
  return createHash('sha256').update(bytes).digest();
}

describe('cleaning: the exact-dedupe fast paths give the same results', () => {
  it('normalizeText equals the NFKC + whitespace chain on 20,000 random texts of spaces, breaks, tabs, controls and non-ASCII', () => {
    const random = createSeededRandom(11);
    const alphabet = ['a', 'b', ' ', ' ', '\n', '\n', '\t', '\r', '\u00A0', '\u200B', 'é', 'Ａ', '\u0007', '~', '\u007F'];
    let fast = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const length = Math.floor(random() * 12);
      const text = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)] ?? 'a').join('');
      const expected = referenceNormalize(text);
      assert.equal(normalizeText(text), expected, JSON.stringify(text));
      if (isNormalAscii(text)) {
        fast += 1;
        assert.equal(expected, text, `fast path taken for a text normalisation changes: ${JSON.stringify(text)}`);
      }
    }
    // The fast path must actually fire for already-normal ASCII, or it is dead code.
    assert.ok(fast > 1000, `fast path taken ${fast} times`);
  });

  it('takes the fast path exactly for printable ASCII already in normal form', () => {
    assert.equal(isNormalAscii('plain words, one space\n\nand a paragraph'), true);
    assert.equal(isNormalAscii(''), true);
    for (const text of [' lead', 'trail ', '\nlead', 'trail\n', 'two  spaces', 'a \nb', 'a\n b', 'a\n\n\nb', 'tab\there', 'cr\r\nlf', 'del\u007F', 'café']) {
      assert.equal(isNormalAscii(text), false, JSON.stringify(text));
    }
  });

  it('content ids are still the sha256 of the normalised UTF-8 text, for ASCII and non-ASCII', () => {
    assert.equal(contentIdOf('hello world'), sha256('hello world').toString('hex'));
    assert.equal(contentIdOf(' Ｃａｆé\u00A0 bar '), sha256(Buffer.from('Café bar', 'utf8')).toString('hex'));
    assert.deepEqual(contentDigestOf('abc'), sha256('abc'));
    assert.deepEqual(contentDigestOf(new Uint8Array([1, 2, 3])), sha256(new Uint8Array([1, 2, 3])));
  });
});

describe('cleaning: DigestSet, exact dedupe memory', () => {
  it('holds 100,000 digests through many resizes: each found, none added twice, absent ones not found', () => {
    const set = new DigestSet();
    const digests = Array.from({ length: 100_000 }, (_, i) => sha256(`record ${i}`));
    for (const d of digests) assert.equal(set.add(d), true);
    assert.equal(set.size, 100_000);
    for (const d of digests) assert.equal(set.has(d), true);
    for (const d of digests.slice(0, 1000)) assert.equal(set.add(d), false);
    assert.equal(set.size, 100_000);
    for (let i = 100_000; i < 101_000; i += 1) assert.equal(set.has(sha256(`record ${i}`)), false);
  });

  it('tells apart digests that share their first bytes (the probe key) and differ only in the last', () => {
    const set = new DigestSet();
    const a = Buffer.alloc(32, 7);
    const b = Buffer.from(a);
    b[31] = 8;
    set.add(a);
    assert.equal(set.has(b), false);
    assert.equal(set.add(b), true);
    assert.equal(set.size, 2);
    // An unaligned view (a pooled Buffer's slice) reads the same digest.
    const unaligned = Buffer.concat([Buffer.from([0]), b]).subarray(1);
    assert.equal(set.has(unaligned), true);
  });

  it('costs at most 44 bytes per distinct digest (was ~125 bytes of heap per hex key)', () => {
    const set = new DigestSet();
    const count = 150_000;
    for (let i = 0; i < count; i += 1) set.add(sha256(`r${i}`));
    // Digest blocks are 256 KiB (8,192 digests): the last one is partly empty, so count its slack apart.
    const slack = 256 * 1024;
    assert.ok((set.byteLength - slack) / count <= 44, `${set.byteLength} bytes for ${count} digests`);
  });

  it('refuses a digest of the wrong length instead of comparing garbage', () => {
    assert.throws(() => new DigestSet().add(new Uint8Array(16)), RangeError);
  });

  it('exact dedupe: known ids drop their records; a malformed known id matches nothing', () => {
    const step = createExactDedupeStep({ known: [contentIdOf('old'), 'not-a-hex-id', contentIdOf('other').toUpperCase()] });
    const outcomes = ['old', 'other', 'new', 'new'].map((t) => step.apply(textRecord(t), { file: 'k.jsonl' }).kind);
    // An upper-case id never equalled a (lower-case) content id before; it still does not.
    assert.deepEqual(outcomes, ['dropped', 'kept', 'kept', 'dropped']);
  });
});
