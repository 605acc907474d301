import { createHash, type Hash } from 'node:crypto';
import { canonicalMetadataJson } from './metadata-json';

/**
 * `content_sha256` of a snapshot: equal hashes, equal content (issue 7).
 *
 * Definition: sha256 over, for every record in id order (the file's order,
 * {@link compareRecordIds}), the UTF-8 bytes of
 * `JSON.stringify([id, canonicalMetadataJson(metadata)]) + "\n"`.
 * The id is itself the hash of the normalised content, so the payload is
 * covered without rehashing it; JSON quoting makes the framing unambiguous
 * (an id or a value holding a newline cannot forge a record boundary).
 * An empty snapshot hashes the empty string.
 */
export interface ContentHasher {
  /** Feed the next record; records must come in id order. */
  add(id: string, metadataJson: string): void;
  /** The hex digest; the hasher is spent afterwards. */
  digest(): string;
}

/** A hasher for {@link ContentHasher}'s definition; `metadataJson` must be canonical (see {@link canonicalMetadataJson}). */
export function createContentHasher(): ContentHasher {
  const hash: Hash = createHash('sha256');
  return {
    add(id, metadataJson) {
      hash.update(JSON.stringify([id, metadataJson]));
      hash.update('\n');
    },
    digest: () => hash.digest('hex'),
  };
}

/** The content hash of records already in id order. */
export async function contentSha256Of(records: AsyncIterable<{ id: string; metadata: Readonly<Record<string, string>> }>): Promise<string> {
  const hasher = createContentHasher();
  for await (const r of records) hasher.add(r.id, canonicalMetadataJson(r.metadata));
  return hasher.digest();
}
