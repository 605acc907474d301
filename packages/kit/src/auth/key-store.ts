import type { Scope } from './scopes';

/** A stored API key: everything but the secret, which is only ever hashed. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly modelPatterns: readonly string[];
  /** Requests per second for this key; 0 = the gateway's default. */
  readonly qps: number;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | undefined;
  readonly revokedAt: Date | undefined;
}

export interface NewApiKey {
  id: string;
  secretHash: string;
  name: string;
  scopes: readonly Scope[];
  modelPatterns: readonly string[];
  qps: number;
}

/**
 * Where keys live. The embedded default is an SQLite file shared by every
 * process of one machine (`sqlite-key-store.ts`); the scaled deployment puts
 * the same port on PostgreSQL (`postgres-key-store.ts`); `openKeyStore`
 * chooses between them.
 */
export interface KeyStore {
  create(key: NewApiKey): Promise<ApiKeyRecord>;
  /** The record and its secret hash, for verification; revoked keys included. */
  findForVerification(id: string): Promise<{ record: ApiKeyRecord; secretHash: string } | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; false when no such key (or already revoked). */
  revoke(id: string, at: Date): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
  /** Number of keys not revoked (the launcher creates an admin key when 0). */
  countActive(): Promise<number>;
  /** Releases the database (a file handle, or a PostgreSQL pool); safe to call twice. */
  close(): Promise<void>;
}
