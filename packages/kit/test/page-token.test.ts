import { strict as assert } from 'node:assert';
import { decodeKeysetPageToken, decodePageToken, encodeKeysetPageToken, encodePageToken, filterFingerprint, L1g1Error } from '@l1g1/kit';

describe('kit: page tokens', () => {
  const refused = (fn: () => unknown, message: RegExp): void => {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof L1g1Error);
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'page.page_token');
      assert.equal(err.reason, 'INVALID_PAGE_TOKEN');
      assert.match(err.message, message);
      return true;
    });
  };

  it('round-trips the last key of a page for the same list and filters; empty means the first page', () => {
    const fp = filterFingerprint({ query: 'demo', tags: { b: '2', a: '1' } });
    assert.equal(fp, filterFingerprint({ tags: { a: '1', b: '2' }, query: 'demo' }), 'key order does not matter');
    assert.equal(decodePageToken(encodePageToken('models', fp, 'iris'), 'models', fp, 'string'), 'iris');
    assert.equal(decodePageToken(encodePageToken('versions', fp, 7), 'versions', fp, 'number'), 7);
    assert.equal(decodePageToken('', 'models', fp, 'string'), undefined);
  });

  it('refuses a token of another list, of other filters, of the wrong key type, or not issued by us', () => {
    const fp = filterFingerprint({ query: 'a' });
    const token = encodePageToken('models', fp, 'x');
    refused(() => decodePageToken(token, 'versions', fp, 'string'), /different list/);
    refused(() => decodePageToken(token, 'models', filterFingerprint({ query: 'b' }), 'string'), /different filters/);
    refused(() => decodePageToken(token, 'models', fp, 'number'), /corrupted/);
    refused(() => decodePageToken('not a token!', 'models', fp, 'string'), /not a page token/);
    refused(() => decodePageToken(Buffer.from('[1]').toString('base64url'), 'models', fp, 'string'), /not a page token/);
  });

  it('round-trips a (number, id) keyset cursor, and refuses a key that is not one', () => {
    const fp = filterFingerprint({ project: 'p1' });
    const cursor = { n: 1_700_000_000_123, id: 'a:b-uuid' };
    assert.deepEqual(decodeKeysetPageToken(encodeKeysetPageToken('jobs', fp, cursor), 'jobs', fp), cursor, 'an id may hold a colon');
    assert.equal(decodeKeysetPageToken('', 'jobs', fp), undefined);
    refused(() => decodeKeysetPageToken(encodePageToken('jobs', fp, 'no-cursor'), 'jobs', fp), /corrupted/);
    refused(() => decodeKeysetPageToken(encodePageToken('jobs', fp, '12:'), 'jobs', fp), /corrupted/);
    refused(() => decodeKeysetPageToken(encodeKeysetPageToken('jobs', fp, cursor), 'jobs', filterFingerprint({ project: 'p2' })), /different filters/);
  });
});
