import { join } from 'node:path';
import { issueApiKey, openKeyStore } from '@l1g1/kit';

/**
 * On first start (no active key in the key store the services will open:
 * `<data dir>/auth/keys.db`, or PostgreSQL when `databaseUrl` is set) creates
 * an admin key and returns its plaintext, to be printed once; the store keeps
 * only its hash. Returns undefined when keys exist already.
 */
export async function ensureFirstAdminKey(dataDir: string, databaseUrl?: string): Promise<string | undefined> {
  const keys = await openKeyStore({ databaseUrl, keyDbPath: join(dataDir, 'auth', 'keys.db') });
  try {
    if ((await keys.countActive()) > 0) return undefined;
    return (await issueApiKey(keys, { name: 'admin', scopes: ['admin'] })).plaintext;
  } finally {
    await keys.close();
  }
}
