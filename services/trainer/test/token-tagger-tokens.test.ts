import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { entitySpans, entityTypesOf, iob2Tags, tokenize, tokenId, tokenTaggerTagNames, type EntitySpan } from '../src/models';
import { fnv1a32 } from '@l1g1/features';

const invalid = (field: string, text?: string) => (e: unknown) =>
  e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field && (text === undefined || e.message.includes(text));

const tagsOf = (text: string, spans: EntitySpan[]) => iob2Tags(tokenize(text, 100), spans);

describe('token tagger text side (tokenizer, spans, IOB2)', () => {
  it('splits words and single punctuation marks with code-point offsets into the original text', () => {
    const tokens = tokenize('Dr. Anna-Lee, São Paulo!', 100);
    assert.deepEqual(
      tokens.map((t) => [t.text, t.start, t.end]),
      [['Dr', 0, 2], ['.', 2, 3], ['Anna', 4, 8], ['-', 8, 9], ['Lee', 9, 12], [',', 12, 13], ['São', 14, 17], ['Paulo', 18, 23], ['!', 23, 24]],
    );
  });

  it('counts an astral character (emoji) as one offset, as Python does, not two UTF-16 units', () => {
    const tokens = tokenize('😀 Anna', 100);
    assert.deepEqual(tokens.map((t) => [t.text, t.start, t.end]), [['😀', 0, 1], ['Anna', 2, 6]]);
    // A span ending at the code-point length is inside the text; one past it is not.
    assert.deepEqual(entitySpans({ data: '😀 Anna', metadata: { label: '[{"start":2,"end":6,"label":"PER"}]' } }, 'label', 6), [{ start: 2, end: 6, label: 'PER' }]);
  });

  it('keeps only the first max_tokens tokens', () => {
    assert.deepEqual(tokenize('a b c d', 2).map((t) => t.text), ['a', 'b']);
  });

  it('hashes a token with FNV-1a over its NFKC form, case kept', () => {
    assert.equal(tokenId('Anna', 1000), fnv1a32('Anna') % 1000);
    assert.equal(tokenId('ﬁle', 1000), fnv1a32('file') % 1000); // the ligature's NFKC form
    assert.notEqual(tokenId('Anna', 1 << 20), tokenId('anna', 1 << 20));
  });

  it('tags the first token of a span B- and the rest I-, everything else O', () => {
    assert.deepEqual(tagsOf('Anna Lee lives in New York .', [{ start: 0, end: 8, label: 'PER' }, { start: 18, end: 26, label: 'LOC' }]), ['B-PER', 'I-PER', 'O', 'O', 'B-LOC', 'I-LOC', 'O']);
  });

  it('gives adjacent spans of the same type B- then B-', () => {
    assert.deepEqual(tagsOf('Anna Lee', [{ start: 0, end: 4, label: 'PER' }, { start: 5, end: 8, label: 'PER' }]), ['B-PER', 'B-PER']);
  });

  it('gives the whole token to a span that starts or ends inside it', () => {
    // "Annabel" with a span on "Anna" (ends inside), "Paris" with a span from "ris" (starts inside)
    assert.deepEqual(tagsOf('Annabel Paris', [{ start: 0, end: 4, label: 'PER' }]), ['B-PER', 'O']);
    assert.deepEqual(tagsOf('Annabel Paris', [{ start: 10, end: 13, label: 'LOC' }]), ['O', 'B-LOC']);
  });

  it('gives a token two spans touch to the first one; the second span keeps the tokens still free', () => {
    // "JohnSmith works": spans [0,4) PER and [4,15) ORG; the token JohnSmith goes to PER
    assert.deepEqual(tagsOf('JohnSmith works', [{ start: 0, end: 4, label: 'PER' }, { start: 4, end: 15, label: 'ORG' }]), ['B-PER', 'B-ORG']);
    assert.deepEqual(tagsOf('JohnSmith', [{ start: 0, end: 4, label: 'PER' }, { start: 4, end: 9, label: 'ORG' }]), ['B-PER']);
  });

  it('reads a record without the label field, or with an empty one, as a record without entities', () => {
    assert.deepEqual(entitySpans({ data: 'x', metadata: {} }, 'label', 1), []);
    assert.deepEqual(entitySpans({ data: 'x', metadata: { label: '' } }, 'label', 1), []);
  });

  it('refuses spans outside the text, empty, overlapping, unlabeled or not JSON with INVALID_ARGUMENT naming data.label_field and the record', () => {
    const record = (label: string) => ({ id: 'rec-7', data: 'Anna Lee', metadata: { ents: label } });
    const cases = [
      '[{"start":0,"end":9,"label":"PER"}]',
      '[{"start":-1,"end":3,"label":"PER"}]',
      '[{"start":3,"end":3,"label":"PER"}]',
      '[{"start":0,"end":5,"label":"PER"},{"start":4,"end":8,"label":"PER"}]',
      '[{"start":0,"end":4}]',
      '[{"start":0.5,"end":4,"label":"PER"}]',
      '{"start":0,"end":4,"label":"PER"}',
      'PER',
    ];
    for (const label of cases) assert.throws(() => entitySpans(record(label), 'ents', 8), invalid('data.label_field', 'rec-7'), label);
  });

  it('derives the sorted entity types of a data set', () => {
    const records = [
      { data: 'Anna in Oslo', metadata: { label: '[{"start":8,"end":12,"label":"LOC"},{"start":0,"end":4,"label":"PER"}]' } },
      { data: 'Acme', metadata: { label: '[{"start":0,"end":4,"label":"ORG"}]' } },
    ];
    assert.deepEqual(entityTypesOf(records), ['LOC', 'ORG', 'PER']);
  });

  it('expands entity types into the IOB2 tag list and keeps a given tag list as it is', () => {
    assert.deepEqual(tokenTaggerTagNames(['LOC', 'PER']), ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER']);
    assert.deepEqual(tokenTaggerTagNames(['O', 'B-PER', 'I-PER']), ['O', 'B-PER', 'I-PER']);
    assert.throws(() => tokenTaggerTagNames(['O', 'B-PER']), invalid('spec.architecture.class_names'));
    assert.throws(() => tokenTaggerTagNames([]), invalid('spec.architecture.class_names'));
  });
});
