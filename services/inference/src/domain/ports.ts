/**
 * What the inference domain needs from the outside world, as interfaces.
 * The composition root (main -> deps) wires the adapters that implement
 * them (ORT worker pool, registry client, artifact cache on disk, metrics);
 * the domain never imports those adapters.
 */
import type { common, registry } from '@l1g1/contracts';
import type { PreprocessRecipe } from '@l1g1/features';
import type { WireTensor } from './wire-tensor';

export interface RunResult {
  outputs: Record<string, WireTensor>;
  /** Time the model ran, measured on the thread that ran it (µs). */
  computeUs: number;
  /** When the run started and ended, epoch milliseconds (fractional), as the running thread saw them. */
  startedAtMs: number;
  endedAtMs: number;
}

/** Runs one loaded model (e.g. on a pool of worker threads, each with its own session). */
export interface ModelRunner {
  run(feeds: Record<string, WireTensor>, outputNames: string[]): Promise<RunResult>;
  /** How many runs can proceed in parallel. */
  readonly workers: number;
  close(): Promise<void>;
}

/** Creates a runner from the verified artifact bytes (never from a path). */
export type CreateRunner = (modelBytes: Uint8Array, label: string) => Promise<ModelRunner>;

/** Whether a version still exists in the registry. */
export type VersionState = 'serving' | 'archived' | 'deleted' | 'unknown';

/** What the inference service needs from the model registry. */
export interface ModelSource {
  resolve(ref: common.ModelRef): Promise<registry.ModelVersion>;
  /** `unknown` when the registry could not be asked (nothing is removed then). */
  versionState(name: string, version: number): Promise<VersionState>;
  /** Follows alias changes, reconnecting and resuming after failures. */
  watchAliases(onEvent: (e: registry.AliasEvent) => void): { stop(): void };
}

/** Which model versions an artifact in the cache belongs to. */
export interface CachedArtifactRef {
  name: string;
  version: number;
}

export interface CachedArtifact {
  sha256: string;
  sizeBytes: number;
  refs: CachedArtifactRef[];
}

/** Verified artifact bytes, with a local cache for restart speed. */
export interface ArtifactStore {
  /** The artifact's bytes, verified against its sha256. */
  fetch(version: registry.ModelVersion, artifact: registry.Artifact): Promise<Uint8Array>;
  list(): CachedArtifact[];
  remove(sha256: string): Promise<void>;
}

/** Hashed n-gram ids of raw texts, `[rows, width]` INT64 little-endian (off the event loop). */
export interface TextFeaturizer {
  featurize(texts: string[], recipe: PreprocessRecipe): Promise<{ ids: Buffer; rows: number; width: number }>;
  close(): Promise<void>;
}
