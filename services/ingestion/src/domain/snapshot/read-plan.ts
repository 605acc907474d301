import { errors, filterFingerprint } from '@l1g1/kit';
import { recordMatches, validateRecordFilter, type RecordFilterSpec } from './record-filter';
import { inShard, validateShard, type ShardSpec } from './shards';
import type { StoredRecord } from './stored-record';

export const DEFAULT_READ_BATCH_SIZE = 256;
export const MAX_READ_BATCH_SIZE = 4096;
const TOKEN_FIELD = 'resume_token';
const MAX_TOKEN_CHARS = 2048;

/** ReadRecordsRequest in domain terms (the generated message fits it, once the ref is flattened). */
export interface ReadRequestInput {
  dataset: string;
  /** 0: the latest (pinned by the first batch's token). */
  version: number;
  filter?: RecordFilterSpec | undefined;
  split?: string;
  shardIndex?: number;
  shardCount?: number;
  resumeToken?: string;
  limit?: number;
  batchSize?: number;
  metadataOnly?: boolean;
}

/** How to serve one ReadRecords call. */
export interface ReadPlan {
  readonly dataset: string;
  /** The version to open: the token's pinned one on a resume, else the request's (0: latest). */
  readonly version: number;
  /** First file row to read (0, or where the resumed read stopped). */
  readonly startRow: number;
  /** Records already sent by earlier calls of this read (counts against `limit`). */
  readonly alreadySent: number;
  /** Records this call may still send (Infinity: no limit). */
  readonly remaining: number;
  readonly batchSize: number;
  readonly metadataOnly: boolean;
  readonly shard: ShardSpec;
  /** Filter, split and shard together. */
  accepts(record: Pick<StoredRecord, 'id' | 'contentType' | 'metadata' | 'timestampUs'>): boolean;
  /** The token that resumes after file row `nextRow - 1` of the pinned `version`, `sent` records in. */
  tokenAt(version: number, nextRow: number, sent: number): string;
}

interface TokenBody {
  /** Dataset. */
  d: string;
  /** Pinned version. */
  v: number;
  /** Next file row to read. */
  r: number;
  /** Records sent so far. */
  n: number;
  /** Fingerprint of what selects records (filter, split, shard, metadata_only). */
  f: string;
}

/**
 * Validates a ReadRecords request and decides where it starts. The resume
 * token is opaque to clients (base64url JSON): it pins the snapshot version
 * — so a read of "latest" that resumes after a new snapshot still sees the
 * same records — and the file row to continue from (files are sorted and
 * immutable, so a row index is a stable position). A token from a request
 * with other filters, another dataset or another version is refused as
 * INVALID_ARGUMENT `resume_token` rather than silently skipping records.
 */
export function planRead(input: ReadRequestInput): ReadPlan {
  validateRecordFilter(input.filter);
  const shard = validateShard(input.shardIndex ?? 0, input.shardCount ?? 0);
  const batchSize = input.batchSize ?? 0;
  if (!Number.isInteger(batchSize) || batchSize < 0 || batchSize > MAX_READ_BATCH_SIZE) {
    throw errors.invalidArgument('batch_size', `must be between 1 and ${MAX_READ_BATCH_SIZE} (0: ${DEFAULT_READ_BATCH_SIZE}), got ${batchSize}`);
  }
  const limit = input.limit ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 0) throw errors.invalidArgument('limit', `must be >= 0 (0: no limit), got ${limit}`);
  const split = input.split ?? '';
  const metadataOnly = input.metadataOnly ?? false;
  const fingerprint = filterFingerprint({ filter: normalizedFilter(input.filter), split, shard, metadataOnly });
  const token = input.resumeToken ? decodeToken(input.resumeToken) : undefined;
  if (token !== undefined) {
    if (token.d !== input.dataset) throw errors.invalidArgument(TOKEN_FIELD, 'was issued for another dataset; resume with the same request', { reason: 'INVALID_RESUME_TOKEN' });
    if (input.version !== 0 && input.version !== token.v) {
      throw errors.invalidArgument(TOKEN_FIELD, `was issued for snapshot ${token.v}, not ${input.version}`, { reason: 'INVALID_RESUME_TOKEN' });
    }
    if (token.f !== fingerprint) {
      throw errors.invalidArgument(TOKEN_FIELD, 'was issued for a different filter, split, shard or metadata_only; resume with the same request', { reason: 'INVALID_RESUME_TOKEN' });
    }
  }
  const alreadySent = token?.n ?? 0;
  return {
    dataset: input.dataset,
    version: token?.v ?? input.version,
    startRow: token?.r ?? 0,
    alreadySent,
    remaining: limit === 0 ? Number.POSITIVE_INFINITY : Math.max(0, limit - alreadySent),
    batchSize: batchSize === 0 ? DEFAULT_READ_BATCH_SIZE : batchSize,
    metadataOnly,
    shard,
    accepts: (record) => (split === '' || record.metadata.split === split) && inShard(record.id, shard) && recordMatches(record, input.filter),
    tokenAt: (version, nextRow, sent) => encodeToken({ d: input.dataset, v: version, r: nextRow, n: sent, f: fingerprint }),
  };
}

function normalizedFilter(filter: RecordFilterSpec | undefined): unknown {
  return {
    eq: filter?.metadataEquals ?? {},
    present: [...(filter?.metadataPresent ?? [])].sort(),
    ct: filter?.contentTypePrefix ?? '',
    min: filter?.minTimestampUs ?? 0,
    max: filter?.maxTimestampUs ?? 0,
  };
}

function encodeToken(body: TokenBody): string {
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decodeToken(token: string): TokenBody {
  const invalid = (): Error =>
    errors.invalidArgument(TOKEN_FIELD, 'is not a resume token issued by this service; pass resume_token from a ReadRecords response', { reason: 'INVALID_RESUME_TOKEN' });
  if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const b = body as Partial<TokenBody> | null;
  if (
    b === null ||
    typeof b !== 'object' ||
    typeof b.d !== 'string' ||
    typeof b.f !== 'string' ||
    !Number.isSafeInteger(b.v) ||
    !Number.isSafeInteger(b.r) ||
    !Number.isSafeInteger(b.n) ||
    (b.v as number) < 1 ||
    (b.r as number) < 0 ||
    (b.n as number) < 0
  ) {
    throw invalid();
  }
  return b as TokenBody;
}
