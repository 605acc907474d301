import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { registry } from '@l1g1/contracts';
import { errors, type Logger } from '@l1g1/kit';
import type { ArtifactStore, CachedArtifact, CachedArtifactRef } from '../domain/ports';

export interface ArtifactCacheOptions {
  dir: string;
  /** Most bytes of artifact files kept on disk; least recently used files go first. */
  maxBytes: number;
  /** Streams a verified artifact into a file (the registry adapter's download). */
  download(version: registry.ModelVersion, artifact: registry.Artifact, path: string): Promise<void>;
  logger: Logger;
}

interface Entry extends CachedArtifact {
  lastUsedMs: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Verified artifacts on local disk, named by sha256, so a restart or a reload
 * after eviction does not download them again. Models are loaded from the
 * bytes this returns, never from the files, so a file can be removed at any
 * time. A sidecar `<sha256>.json` records which versions use the file (the
 * model manager removes files whose versions are all deleted or archived);
 * the directory is bounded by `maxBytes`.
 */
export function createArtifactCache(options: ArtifactCacheOptions): ArtifactStore {
  const { dir, maxBytes, logger } = options;
  mkdirSync(dir, { recursive: true });
  const entries = new Map<string, Entry>();
  const downloads = new Map<string, Promise<Uint8Array>>();
  const onnxPath = (sha: string) => join(dir, `${sha}.onnx`);
  const refsPath = (sha: string) => join(dir, `${sha}.json`);

  // What a previous run left (parts of interrupted downloads are dropped).
  for (const name of readdirSync(dir)) {
    const sha = name.slice(0, -'.onnx'.length);
    if (name.endsWith('.part')) void rm(join(dir, name), { force: true });
    if (!name.endsWith('.onnx') || !SHA256.test(sha)) continue;
    let refs: CachedArtifactRef[] = [];
    try {
      refs = JSON.parse(readFileSync(refsPath(sha), 'utf8')) as CachedArtifactRef[];
    } catch {
      // No sidecar: nothing says which version it serves; the next sweep removes it.
    }
    const st = statSync(onnxPath(sha));
    entries.set(sha, { sha256: sha, sizeBytes: st.size, refs, lastUsedMs: st.mtimeMs });
  }

  const totalBytes = () => [...entries.values()].reduce((n, e) => n + e.sizeBytes, 0);

  async function remove(sha: string): Promise<void> {
    entries.delete(sha);
    await rm(onnxPath(sha), { force: true });
    await rm(refsPath(sha), { force: true });
  }

  /** Removes least recently used files until the directory fits its budget (`keep` last, if ever). */
  async function shrink(keep: string): Promise<void> {
    const byAge = [...entries.values()].sort((a, b) => (a.sha256 === keep ? 1 : b.sha256 === keep ? -1 : a.lastUsedMs - b.lastUsedMs));
    for (const e of byAge) {
      if (totalBytes() <= maxBytes) return;
      logger.debug({ sha256: e.sha256, bytes: e.sizeBytes }, 'artifact cache full: file removed');
      await remove(e.sha256);
    }
  }

  async function addRef(sha: string, ref: CachedArtifactRef): Promise<void> {
    const e = entries.get(sha);
    if (!e) return;
    e.lastUsedMs = Date.now();
    if (e.refs.some((r) => r.name === ref.name && r.version === ref.version)) return;
    e.refs.push(ref);
    await writeFile(refsPath(sha), JSON.stringify(e.refs));
  }

  async function readVerified(sha: string): Promise<Uint8Array | undefined> {
    try {
      const bytes = await readFile(onnxPath(sha));
      if (createHash('sha256').update(bytes).digest('hex') === sha) return bytes;
      logger.warn({ sha256: sha }, 'cached artifact is corrupt: downloading it again');
    } catch {
      // Not cached (or removed meanwhile): download.
    }
    return undefined;
  }

  async function fetchOnce(v: registry.ModelVersion, a: registry.Artifact): Promise<Uint8Array> {
    const sha = a.sha256;
    const cached = entries.has(sha) ? await readVerified(sha) : undefined;
    if (cached) return cached;
    const tmp = join(dir, `${sha}.${randomUUID()}.part`);
    try {
      await options.download(v, a, tmp);
      const bytes = await readFile(tmp);
      await rename(tmp, onnxPath(sha));
      entries.set(sha, { sha256: sha, sizeBytes: bytes.byteLength, refs: [], lastUsedMs: Date.now() });
      await addRef(sha, { name: v.modelName, version: v.version });
      await shrink(sha);
      return bytes;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  return {
    async fetch(v, a) {
      if (!SHA256.test(a.sha256)) throw errors.internal(`the registry sent no valid sha256 for ${v.modelName} version ${v.version}`);
      let p = downloads.get(a.sha256);
      if (!p) {
        p = fetchOnce(v, a).finally(() => downloads.delete(a.sha256));
        downloads.set(a.sha256, p);
      }
      const bytes = await p;
      // Callers sharing one download may be different versions with the same bytes.
      await addRef(a.sha256, { name: v.modelName, version: v.version });
      return bytes;
    },
    list: () => [...entries.values()].map(({ sha256, sizeBytes, refs }) => ({ sha256, sizeBytes, refs: [...refs] })),
    async remove(sha) {
      if (downloads.has(sha)) return; // being fetched again right now: keep it
      await remove(sha);
    },
  };
}
