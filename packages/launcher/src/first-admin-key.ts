import { join } from 'node:path';
import { createSqliteKeyStore, issueApiKey } from '@l1g1/kit';

/**
 * On first start (no active key in `<data dir>/auth/keys.db`) creates an
 * admin key and returns its plaintext, to be printed once; the store keeps
 * only its hash. Returns undefined when keys exist already.
 */
export async function ensureFirstAdminKey(dataDir: string): Promise<string | undefined> {
  const keys = createSqliteKeyStore(join(dataDir, 'auth', 'keys.db'));
  try {
    if ((await keys.countActive()) > 0) return undefined;
    return (await issueApiKey(keys, { name: 'admin', scopes: ['admin'] })).plaintext;
  } finally {
    keys.close();
  }
}
