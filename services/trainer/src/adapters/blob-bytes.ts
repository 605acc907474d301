/** Whole-blob reads and writes for the trainer's artifacts (checkpoints, exported models: bounded in size). */
import { createHash } from 'node:crypto';
import { errors, type BlobInfo, type BlobStore } from '@l1g1/kit';

/** Largest artifact written or read whole (a checkpoint holds weights and two optimizer moments). */
export const MAX_ARTIFACT_BYTES = 2 * 1024 * 1024 * 1024 - 1;

export async function writeBlob(blobs: BlobStore, bytes: Uint8Array): Promise<BlobInfo> {
  const w = blobs.begin({ maxBytes: MAX_ARTIFACT_BYTES });
  try {
    await w.write(bytes);
    return await w.commit({ sizeBytes: bytes.byteLength });
  } catch (err: unknown) {
    await w.abort();
    throw err;
  }
}

/** The blob's bytes, verified against its key. */
export async function readBlob(blobs: BlobStore, sha256: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of blobs.openRead(sha256)) parts.push(chunk as Buffer);
  const bytes = Buffer.concat(parts);
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw errors.internal(`blob ${sha256} does not match its hash`);
  return bytes;
}
