/**
 * An upload's manifest: its validated spec and the list of its spooled files,
 * written as one JSON file in the upload's spool folder. The ingest job's
 * params carry only the manifest's name and sha256: a job's params are capped
 * (256 KiB in the kit job store) while an upload may hold up to
 * L1G1_INGESTION_MAX_FILES files with their record metadata.
 */
import { errors } from '@l1g1/kit';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestJobFile, UploadManifest, UploadManifestRef } from '../../domain/ingest/ingest-job';

/** File name of the manifest in a spool folder (spooled files are `<index>.bin`: no clash). */
export const UPLOAD_MANIFEST_NAME = 'upload-manifest.json';

/** Writes `manifest` into `spoolDir` and answers the reference the job params carry. */
export async function writeUploadManifest(spoolDir: string, manifest: UploadManifest): Promise<UploadManifestRef> {
  const bytes = Buffer.from(JSON.stringify(manifest));
  // 'wx': a spool folder gets one manifest, never a second one over it.
  await writeFile(join(spoolDir, UPLOAD_MANIFEST_NAME), bytes, { flag: 'wx' });
  return {
    name: UPLOAD_MANIFEST_NAME,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    files: manifest.files.length,
    bytes: manifest.files.reduce((n: number, f: IngestJobFile) => n + f.size_bytes, 0),
  };
}

/**
 * Reads the manifest `ref` names from `spoolDir`, refusing one whose bytes
 * do not hash to `ref.sha256` (a spool folder changed under the job): that is
 * our fault, not the client's, hence INTERNAL (logged, never detailed).
 */
export async function readUploadManifest(spoolDir: string, ref: UploadManifestRef): Promise<UploadManifest> {
  if (ref.name !== UPLOAD_MANIFEST_NAME) throw errors.internal('the upload manifest reference is not valid');
  const bytes = await readFile(join(spoolDir, ref.name));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== ref.sha256) throw errors.internal('the upload manifest does not match its hash');
  // Written by writeUploadManifest from a validated spec and the spool's own file list.
  return JSON.parse(bytes.toString('utf8')) as UploadManifest;
}
