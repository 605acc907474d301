import { errors, type L1g1Error } from '@l1g1/kit';
import { ARCHIVE_LIMIT_EXCEEDED } from '../../domain/pipeline/archive-port';

/** Bounds on what one uploaded archive (with everything nested in it) may expand to. */
export interface ArchiveLimits {
  /** Archives inside archives: 1 = a zip's entries are expanded, a zip inside it is refused. */
  maxDepth: number;
  /** Entries across the archive and its nested archives. */
  maxEntries: number;
  /** Uncompressed bytes across all entries. */
  maxTotalBytes: number;
  /** Uncompressed bytes of one entry. */
  maxEntryBytes: number;
  /** Uncompressed / compressed, per zip entry and over a gzip stream. */
  maxCompressionRatio: number;
  /** Below this many uncompressed bytes the ratio is not checked (a small file of blanks compresses 1000:1 honestly). */
  ratioFloorBytes: number;
  /** Compressed bytes of a zip, which is spooled to disk because its directory sits at its end. */
  maxZipBytes: number;
}

/** Defaults that fit one laptop; the service's config overrides them. */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxDepth: 3,
  maxEntries: 10_000,
  maxTotalBytes: 2 * 1024 ** 3,
  maxEntryBytes: 512 * 1024 ** 2,
  maxCompressionRatio: 100,
  ratioFloorBytes: 1024 ** 2,
  maxZipBytes: 2 * 1024 ** 3,
});

/** The error for a broken limit: names the archive, the limit and its value. */
export function archiveLimitError(archive: string, limit: keyof ArchiveLimits, value: number, what: string): L1g1Error {
  const snake = limit.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return errors.invalidArgument('file', `archive ${archive} refused: ${what} (limit ${snake} = ${value})`, {
    reason: ARCHIVE_LIMIT_EXCEEDED,
    metadata: { file: archive, limit: snake, limit_value: String(value) },
  });
}

/** The error for an archive that is not what it claims (bad header, truncated, bad CRC). */
export function malformedArchiveError(archive: string, byteOffset: number | undefined, why: string, cause?: unknown): L1g1Error {
  const at = byteOffset === undefined ? '' : ` at byte ${byteOffset}`;
  return errors.invalidArgument('file', `${archive}: malformed archive${at}: ${why}`, {
    reason: 'MALFORMED_FILE',
    metadata: { file: archive, ...(byteOffset === undefined ? {} : { byte_offset: String(byteOffset) }) },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * What one top-level archive has used so far, shared by its nested
 * archives, so a bomb cannot hide by splitting itself into many small zips.
 */
export class ArchiveBudget {
  private entries = 0;
  private totalBytes = 0;

  constructor(
    readonly limits: Readonly<ArchiveLimits>,
    /** The top-level archive's name: what the errors name. */
    readonly root: string,
  ) {}

  /** Counts one more entry; throws past the limit. */
  countEntry(archive: string): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw archiveLimitError(archive, 'maxEntries', this.limits.maxEntries, `more than ${this.limits.maxEntries} entries`);
    }
  }

  /** Checks an entry's declared size before any of it is inflated. */
  checkDeclared(archive: string, entry: string, uncompressed: number, compressed: number): void {
    if (uncompressed > this.limits.maxEntryBytes) {
      throw archiveLimitError(archive, 'maxEntryBytes', this.limits.maxEntryBytes, `entry ${entry} declares ${uncompressed} bytes`);
    }
    if (this.totalBytes + uncompressed > this.limits.maxTotalBytes) {
      throw archiveLimitError(archive, 'maxTotalBytes', this.limits.maxTotalBytes, `entries declare more than ${this.limits.maxTotalBytes} bytes in all`);
    }
    this.checkRatio(archive, entry, uncompressed, compressed);
  }

  checkRatio(archive: string, entry: string, uncompressed: number, compressed: number): void {
    if (uncompressed < this.limits.ratioFloorBytes) return;
    if (uncompressed > this.limits.maxCompressionRatio * Math.max(compressed, 1)) {
      throw archiveLimitError(
        archive,
        'maxCompressionRatio',
        this.limits.maxCompressionRatio,
        `${entry} expands ${Math.round(uncompressed / Math.max(compressed, 1))}:1`,
      );
    }
  }

  /** Counts inflated bytes as they stream (declared sizes may lie); throws past the limits. */
  addBytes(archive: string, entry: string, entryBytesSoFar: number, chunkBytes: number): void {
    this.totalBytes += chunkBytes;
    if (entryBytesSoFar > this.limits.maxEntryBytes) {
      throw archiveLimitError(archive, 'maxEntryBytes', this.limits.maxEntryBytes, `entry ${entry} is larger than ${this.limits.maxEntryBytes} bytes`);
    }
    if (this.totalBytes > this.limits.maxTotalBytes) {
      throw archiveLimitError(archive, 'maxTotalBytes', this.limits.maxTotalBytes, `entries hold more than ${this.limits.maxTotalBytes} bytes in all`);
    }
  }
}
