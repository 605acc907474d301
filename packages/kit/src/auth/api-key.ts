import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `l1g1_<key id>_<secret>`: the id finds the stored row
 * (and is safe to log and show), the secret proves possession. The secret is
 * 32 random bytes (base64url); only its sha256 is stored.
 *
 * Why sha256 and not bcrypt/argon2: those slow hashes protect low-entropy
 * human passwords against guessing. A 256-bit random secret cannot be
 * guessed, so a fast hash is as safe and keeps verification off the hot
 * path's budget (every request carries a key).
 */
export const KEY_PREFIX = 'l1g1';

const KEY_ID_BYTES = 9;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^l1g1_([A-Za-z0-9-]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedKey {
  id: string;
  /** The whole key, shown to its owner once and never stored. */
  plaintext: string;
  secretHash: string;
}

/** A key id: base64url without `_`, so the key splits unambiguously. */
function newKeyId(): string {
  return randomBytes(KEY_ID_BYTES).toString('base64url').replaceAll('_', '-');
}

export function generateApiKey(): GeneratedKey {
  const id = newKeyId();
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, plaintext: `${KEY_PREFIX}_${id}_${secret}`, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Splits a presented key; undefined when it is not shaped like one of ours. */
export function parseApiKey(presented: string): { id: string; secret: string } | undefined {
  const m = KEY_PATTERN.exec(presented);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** Constant-time comparison of two hex digests of equal length. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The key from an `authorization: Bearer <key>` value, if any. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}
