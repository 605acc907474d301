/** The KeyStore contract, run by key-stores.test.ts against SQLite and PostgreSQL. */
import { strict as assert } from 'node:assert';
import { issueApiKey, type KeyStore } from '@l1g1/kit';

export function describeKeyStoreContract(label: string, open: () => Promise<KeyStore>): void {
  describe(`KeyStore contract: ${label}`, () => {
    let store: KeyStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps a key with its scopes, patterns and qps, and finds it with its hash, not its secret', async () => {
      const before = Date.now();
      const { record, plaintext } = await issueApiKey(store, { name: 'ci', scopes: ['predict', 'read'], modelPatterns: ['team-a-*'], qps: 7 });
      assert.deepEqual([record.name, record.scopes, record.modelPatterns, record.qps], ['ci', ['predict', 'read'], ['team-a-*'], 7]);
      assert.ok(record.createdAt.getTime() >= before && record.createdAt.getTime() <= Date.now());
      assert.equal(record.revokedAt, undefined);
      const found = await store.findForVerification(record.id);
      assert.ok(found);
      assert.deepEqual(found.record, record);
      assert.match(found.secretHash, /^[0-9a-f]{64}$/);
      assert.ok(!plaintext.includes(found.secretHash));
      assert.equal(await store.findForVerification('nosuchid'), undefined);
    });

    it('lists keys (oldest first, ties by id), counts active ones, revokes once, records last use', async () => {
      const a = await issueApiKey(store, { name: 'a', scopes: ['read'] });
      const b = await issueApiKey(store, { name: 'b', scopes: ['admin'] });
      assert.equal(await store.countActive(), 2);
      const at = new Date(1_800_000_000_000);
      assert.equal(await store.revoke(a.record.id, at), true);
      assert.equal(await store.revoke(a.record.id, new Date()), false, 'already revoked');
      assert.equal(await store.revoke('nosuchid', new Date()), false);
      assert.equal(await store.countActive(), 1);
      await store.touch(b.record.id, new Date(1_800_000_000_123));
      const listed = await store.list();
      // Both may be created within one millisecond: then the id decides.
      const order = [a.record, b.record].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || (x.id < y.id ? -1 : 1));
      assert.deepEqual(listed.map((k) => k.id), order.map((k) => k.id));
      assert.equal(listed.find((k) => k.name === 'a')?.revokedAt?.getTime(), at.getTime());
      assert.equal(listed.find((k) => k.name === 'b')?.lastUsedAt?.getTime(), 1_800_000_000_123);
    });
  });
}
