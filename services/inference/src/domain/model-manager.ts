import { common, precisionName as contractPrecisionName, type registry } from '@l1g1/contracts';
import { parsePreprocessTag, type PreprocessRecipe } from '@l1g1/features';
import { dataTypeToOip, errors, type Logger } from '@l1g1/kit';
import { DynamicBatcher, type BatcherOptions, type BatchObserver, type ModelIdentity } from './batcher';
import type { ArtifactStore, CreateRunner, ModelRunner, ModelSource } from './ports';
import type { Signature, TensorSpec } from './types';

/** A model version loaded on workers, with its own batcher. */
export interface LoadedModel {
  readonly key: string;
  readonly name: string;
  readonly version: number;
  readonly precision: common.Precision;
  readonly sha256: string;
  /** Artifact size: what this model counts against the loaded-bytes budget. */
  readonly sizeBytes: number;
  readonly signature: Signature;
  /** The version's `preprocess` recipe: raw text is featurized into its input (see raw-text.ts). */
  readonly preprocess?: PreprocessRecipe;
  readonly batcher: DynamicBatcher;
  readonly runner: ModelRunner;
  /** Requests holding this model (admitted, not yet answered). */
  leases: number;
  retired: boolean;
  /** Why it was taken out of service (set with `retired`). */
  retiredFor?: UnloadReason;
  /** Last time a request acquired it (ms, the manager's clock). */
  lastUsedMs: number;
}

/** Why a model left memory (metrics, logs and the repository index say it). */
export type UnloadReason = 'lru' | 'idle' | 'requested' | 'replaced' | 'deleted' | 'shutdown';

/** Told when models load and unload (metrics live outside the domain). */
export interface ModelObserver {
  unloaded(model: ModelIdentity, reason: UnloadReason): void;
}

export interface ModelLimits {
  /** Sum of the artifact sizes of loaded models; the least recently used idle model is evicted beyond it. */
  maxLoadedBytes: number;
  /** A model no request used for this long is unloaded, unless an alias routes to it (0: never). */
  idleMs: number;
  /** How often the artifact cache is checked for files of deleted or archived versions (0: only after unloads). */
  cacheSweepMs: number;
}

export interface ModelManagerDeps {
  source: ModelSource;
  artifacts: ArtifactStore;
  createRunner: CreateRunner;
  batcher: BatcherOptions;
  limits: ModelLimits;
  logger: Logger;
  observer?: BatchObserver & Partial<ModelObserver>;
  /** Milliseconds; injectable so idle eviction can be reasoned about. */
  now?: () => number;
}

export interface ModelSelector {
  name: string;
  /** A version number, or undefined with `alias` (default `production`). */
  version?: number;
  alias?: string;
  precision: common.Precision;
}

/** A model the repository index lists: loaded, loading, or recently unloaded. */
export interface RepositoryEntry {
  name: string;
  version: number;
  precision: common.Precision;
  state: 'READY' | 'LOADING' | 'UNAVAILABLE';
  reason: string;
}

const REASON_TEXT: Record<UnloadReason, string> = {
  lru: 'evicted: least recently used, to stay within the loaded-model memory budget',
  idle: 'unloaded: idle',
  requested: 'unloaded on request',
  replaced: 'unloaded: its alias moved to another version',
  deleted: 'unloaded: the version was deleted or archived in the registry',
  shutdown: 'unloaded: the service is stopping',
};

/** How many unloaded models the repository index remembers. */
const HISTORY_LIMIT = 256;

/** `fp32`, `fp16`, `int8` (the contracts' one table). */
export function precisionName(p: common.Precision): string {
  return contractPrecisionName(p) ?? 'fp32';
}

function toSignature(sig: common.ModelSignature | undefined): Signature {
  const conv = (t: common.TensorSpec): TensorSpec => {
    const datatype = dataTypeToOip(t.datatype);
    if (!datatype) throw errors.failedPrecondition(`tensor "${t.name}" of the model has an unsupported datatype`);
    return { name: t.name, datatype, shape: t.shape.map(Number) };
  };
  return { inputs: (sig?.inputs ?? []).map(conv), outputs: (sig?.outputs ?? []).map(conv) };
}

function identityOf(m: { name: string; version: number; precision: common.Precision }): ModelIdentity {
  return { name: m.name, version: m.version, precision: m.precision, precisionName: precisionName(m.precision) };
}

/**
 * Owns loaded models and the routes to them. Routes by alias follow the
 * registry's alias watch: when an alias moves, the new version is loaded
 * first, then the route switches; requests already admitted finish on the
 * old version, which is unloaded once its last lease is returned.
 *
 * Memory is bounded: loaded models' artifact sizes sum to at most
 * `maxLoadedBytes` (the least recently used model that no request holds is
 * evicted to make room; a model in use is never torn down), and models idle
 * for `idleMs` are unloaded unless an alias routes to them. Files of
 * deleted or archived versions leave the artifact cache after unloads and on
 * a periodic sweep.
 */
export class ModelManager {
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly loading = new Map<string, LoadingEntry>();
  /** `name@alias#precision` -> key of the loaded model it routes to. */
  private readonly aliasRoutes = new Map<string, string>();
  /** Recently unloaded models and why (bounded; for the repository index). */
  private readonly history = new Map<string, RepositoryEntry>();
  private readonly watch: { stop(): void };
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private sweeping: Promise<number> | undefined;
  private sweepAgain = false;
  private closed = false;

  constructor(private readonly deps: ModelManagerDeps) {
    this.now = deps.now ?? Date.now;
    this.watch = deps.source.watchAliases((e) => this.onAliasEvent(e));
    const { idleMs, cacheSweepMs } = deps.limits;
    if (idleMs > 0) this.every(Math.min(Math.max(idleMs / 2, 25), 60_000), () => this.evictIdle());
    if (cacheSweepMs > 0) this.every(cacheSweepMs, () => void this.sweepCache());
  }

  /** Sum of the artifact sizes of loaded models. */
  get loadedBytes(): number {
    let n = 0;
    for (const m of this.loaded.values()) n += m.sizeBytes;
    return n;
  }

  /** Runs `fn` with a lease on the selected model (loading it if needed): it is never unloaded meanwhile. */
  async withModel<T>(sel: ModelSelector, fn: (m: LoadedModel) => Promise<T>): Promise<T> {
    let model = await this.acquire(sel);
    // Between its load and this lease another load may have evicted it (it held no lease yet):
    // take the route again. The check and the lease are in one synchronous step.
    for (let tries = 0; model.retired && tries < 3; tries++) model = await this.acquire(sel);
    if (model.retired) throw errors.unavailable(`${sel.name} is being unloaded; retry`, { retryAfterMs: 100 });
    model.leases++;
    try {
      return await fn(model);
    } finally {
      model.leases--;
      model.lastUsedMs = this.now();
      if (model.retired && model.leases === 0) void this.unload(model);
    }
  }

  async acquire(sel: ModelSelector): Promise<LoadedModel> {
    const model = await this.find(sel);
    model.lastUsedMs = this.now();
    return model;
  }

  /** The selected model if it is loaded right now (no registry call, no load). */
  peek(sel: ModelSelector): LoadedModel | undefined {
    const precision = sel.precision || common.Precision.PRECISION_FP32;
    const key =
      sel.version !== undefined && sel.version > 0
        ? modelKey(sel.name, sel.version, precision)
        : this.aliasRoutes.get(aliasKey(sel.name, sel.alias || 'production', precision));
    const hit = key ? this.loaded.get(key) : undefined;
    return hit && !hit.retired ? hit : undefined;
  }

  /** The registry's version for a selector (NOT_FOUND when unknown), without loading it. */
  async resolve(sel: ModelSelector): Promise<registry.ModelVersion> {
    const selector: common.ModelRef['selector'] =
      sel.version !== undefined && sel.version > 0 ? { $case: 'version', value: sel.version } : { $case: 'alias', value: sel.alias || 'production' };
    return this.deps.source.resolve({ name: sel.name, selector });
  }

  list(): { model: LoadedModel; aliases: string[] }[] {
    return [...this.loaded.values()].map((model) => ({
      model,
      aliases: [...this.aliasRoutes]
        .filter(([, key]) => key === model.key)
        .map(([route]) => route.slice(route.indexOf('@') + 1, route.indexOf('#'))),
    }));
  }

  /** Loaded, loading and recently unloaded models (the OIP model_repository index). */
  repositoryIndex(): RepositoryEntry[] {
    const out = new Map<string, RepositoryEntry>(this.history);
    for (const [key, l] of this.loading) out.set(key, { name: l.name, version: l.version, precision: l.precision, state: 'LOADING', reason: '' });
    for (const m of this.loaded.values()) {
      if (!m.retired) out.set(m.key, { name: m.name, version: m.version, precision: m.precision, state: 'READY', reason: '' });
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version || a.precision - b.precision);
  }

  /** Unloads every precision of `name` (one version, or all when 0); requests in flight finish first. */
  async unloadByName(name: string, version: number): Promise<number> {
    const victims = [...this.loaded.values()].filter((m) => !m.retired && m.name === name && (version === 0 || m.version === version));
    for (const m of victims) this.evict(m, 'requested');
    return victims.length;
  }

  /** Unloads models unused for `idleMs`, except those an alias routes to. */
  evictIdle(): number {
    const idleMs = this.deps.limits.idleMs;
    if (idleMs <= 0) return 0;
    const routed = new Set(this.aliasRoutes.values());
    const cutoff = this.now() - idleMs;
    let n = 0;
    for (const m of [...this.loaded.values()]) {
      if (m.retired || m.leases > 0 || routed.has(m.key) || m.lastUsedMs > cutoff) continue;
      this.evict(m, 'idle');
      n++;
    }
    return n;
  }

  /**
   * Removes cache files whose versions are all deleted or archived (and
   * unloads such models unless an alias routes to them). Registry errors
   * leave files in place. Returns how many files were removed.
   */
  sweepCache(): Promise<number> {
    if (this.sweeping) {
      this.sweepAgain = true;
      return this.sweeping;
    }
    const run = async (): Promise<number> => {
      let removed = 0;
      do {
        this.sweepAgain = false;
        removed += await this.sweepOnce();
      } while (this.sweepAgain && !this.closed);
      return removed;
    };
    this.sweeping = run().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.watch.stop();
    // Loads in progress are not waited for (a download may take minutes): each closes its own runner when it sees `closed`.
    await Promise.all([...this.loaded.values()].map((m) => this.unload(m, 'shutdown')));
    await this.sweeping?.catch(() => 0);
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private async find(sel: ModelSelector): Promise<LoadedModel> {
    const precision = sel.precision || common.Precision.PRECISION_FP32;
    const hit = this.peek({ ...sel, precision });
    if (hit) return hit;
    if (sel.version !== undefined && sel.version > 0) {
      const v = await this.deps.source.resolve({ name: sel.name, selector: { $case: 'version', value: sel.version } });
      return this.load(v, precision);
    }
    const alias = sel.alias || 'production';
    const v = await this.deps.source.resolve({ name: sel.name, selector: { $case: 'alias', value: alias } });
    const model = await this.load(v, precision);
    this.aliasRoutes.set(aliasKey(sel.name, alias, precision), model.key);
    return model;
  }

  private load(v: registry.ModelVersion, precision: common.Precision): Promise<LoadedModel> {
    if (this.closed) return Promise.reject(errors.unavailable('inference is stopping'));
    const key = modelKey(v.modelName, v.version, precision);
    const hit = this.loaded.get(key);
    if (hit && !hit.retired) return Promise.resolve(hit);
    const inProgress = this.loading.get(key);
    if (inProgress) return inProgress.promise;
    const artifact = v.artifacts.find((a) => (a.precision || common.Precision.PRECISION_FP32) === precision);
    if (!artifact) {
      const have = v.artifacts.map((a) => precisionName(a.precision)).join(', ') || 'none';
      return Promise.reject(
        errors.notFound(`${precisionName(precision)} variant of ${v.modelName} version ${v.version} (available: ${have})`, {
          reason: 'VARIANT_NOT_FOUND',
        }),
      );
    }
    if (artifact.format && artifact.format !== 'onnx') {
      return Promise.reject(errors.failedPrecondition(`${v.modelName}/${v.version} is a ${artifact.format} artifact; only onnx is served`));
    }
    const label = `${v.modelName} version ${v.version} (${precisionName(precision)})`;
    try {
      // Room is made (and reserved) before the bytes are fetched, so a load never overshoots the budget.
      this.makeRoom(artifact.sizeBytes, label);
    } catch (err) {
      return Promise.reject(err);
    }
    const entry: LoadingEntry = { name: v.modelName, version: v.version, precision, bytes: artifact.sizeBytes, promise: Promise.resolve(undefined as never) };
    entry.promise = this.doLoad(v, artifact, entry, key, label).finally(() => this.loading.delete(key));
    this.loading.set(key, entry);
    return entry.promise;
  }

  /** Evicts least recently used models that no request holds until `bytes` more fit; refuses a model bigger than the whole budget. */
  private makeRoom(bytes: number, label: string): void {
    const max = this.deps.limits.maxLoadedBytes;
    if (bytes > max) {
      throw errors.failedPrecondition(
        `${label} is ${bytes} bytes, more than the inference service may hold loaded in total (${max} bytes); it cannot be served here`,
        { reason: 'MODEL_TOO_LARGE' },
      );
    }
    const reserved = () => [...this.loading.values()].reduce((n, l) => n + l.bytes, 0);
    while (this.loadedBytes + reserved() + bytes > max) {
      let victim: LoadedModel | undefined;
      for (const m of this.loaded.values()) {
        if (m.leases > 0 || m.batcher.pending > 0) continue; // in use: never torn down mid-request
        if (!victim || m.lastUsedMs < victim.lastUsedMs) victim = m;
      }
      if (!victim) {
        throw errors.resourceExhausted(`no room to load ${label}: every loaded model is serving requests; retry shortly`, 1000, {
          reason: 'MODEL_MEMORY_BUSY',
        });
      }
      this.evict(victim, 'lru');
    }
  }

  private async doLoad(v: registry.ModelVersion, artifact: registry.Artifact, entry: LoadingEntry, key: string, label: string): Promise<LoadedModel> {
    const { precision } = entry;
    const started = this.now();
    const bytes = await this.deps.artifacts.fetch(v, artifact);
    if (bytes.byteLength !== entry.bytes) {
      // The registry's recorded size was off (or absent): account for the real one.
      entry.bytes = 0;
      this.makeRoom(bytes.byteLength, label);
      entry.bytes = bytes.byteLength;
    }
    const runner = await this.deps.createRunner(bytes, label);
    if (this.closed) {
      await runner.close();
      throw errors.unavailable('inference is stopping');
    }
    const signature = toSignature(artifact.signature);
    const preprocess = this.recipeOf(v);
    const identity = identityOf({ name: v.modelName, version: v.version, precision });
    const model: LoadedModel = {
      key,
      name: v.modelName,
      version: v.version,
      precision,
      sha256: artifact.sha256,
      sizeBytes: bytes.byteLength,
      signature,
      ...(preprocess ? { preprocess } : {}),
      runner,
      batcher: new DynamicBatcher(runner, signature, this.deps.batcher, identity, this.deps.observer),
      leases: 0,
      retired: false,
      lastUsedMs: this.now(),
    };
    this.loaded.set(key, model);
    this.history.delete(key);
    this.deps.logger.info({ model: v.modelName, version: v.version, precision: identity.precisionName, bytes: model.sizeBytes, ms: this.now() - started }, 'model loaded');
    return model;
  }

  /** A stored tag that does not parse leaves the model serving its tensors (logged; raw text is then refused). */
  private recipeOf(v: registry.ModelVersion): PreprocessRecipe | undefined {
    const tag = v.tags['preprocess'];
    if (!tag) return undefined;
    try {
      return parsePreprocessTag(tag);
    } catch (err) {
      this.deps.logger.warn({ err, model: v.modelName, version: v.version }, 'the version has a preprocess tag this service cannot read');
      return undefined;
    }
  }

  private onAliasEvent(e: registry.AliasEvent): void {
    for (const [route, key] of [...this.aliasRoutes]) {
      if (!route.startsWith(`${e.modelName}@${e.alias}#`)) continue;
      const precision = Number(route.slice(route.indexOf('#') + 1)) as common.Precision;
      const old = this.loaded.get(key);
      if (e.toVersion === 0) {
        this.aliasRoutes.delete(route);
        if (old) this.retireIfUnrouted(old);
        continue;
      }
      if (old?.version === e.toVersion) continue;
      // Load the new version first; the route keeps serving the old one meanwhile.
      this.deps.source
        .resolve({ name: e.modelName, selector: { $case: 'version', value: e.toVersion } })
        .then((v) => this.load(v, precision))
        .then(
          (model) => {
            if (this.aliasRoutes.get(route) !== key) return; // superseded meanwhile
            this.aliasRoutes.set(route, model.key);
            this.deps.logger.info({ route, from: old?.version, to: model.version }, 'alias route switched');
            if (old) this.retireIfUnrouted(old);
          },
          (err: unknown) => {
            // The old route stays valid; the next request will re-resolve.
            this.aliasRoutes.delete(route);
            this.deps.logger.warn({ err, route }, 'could not load the new alias target');
          },
        );
    }
  }

  private retireIfUnrouted(model: LoadedModel): void {
    if ([...this.aliasRoutes.values()].includes(model.key)) return;
    this.evict(model, 'replaced');
  }

  /** Takes a model out of service: routes to it are dropped, it unloads once its last lease returns. */
  private evict(model: LoadedModel, reason: UnloadReason): void {
    if (model.retired) return;
    model.retired = true;
    model.retiredFor = reason;
    for (const [route, key] of [...this.aliasRoutes]) if (key === model.key) this.aliasRoutes.delete(route);
    this.remember(model, reason);
    if (model.leases === 0) void this.unload(model, reason);
  }

  private remember(model: LoadedModel, reason: UnloadReason): void {
    this.history.delete(model.key);
    this.history.set(model.key, { name: model.name, version: model.version, precision: model.precision, state: 'UNAVAILABLE', reason: REASON_TEXT[reason] });
    while (this.history.size > HISTORY_LIMIT) this.history.delete(this.history.keys().next().value!);
  }

  private async unload(model: LoadedModel, reason: UnloadReason = model.retiredFor ?? 'replaced'): Promise<void> {
    model.retired = true;
    if (this.loaded.get(model.key) !== model) return; // already unloading
    this.loaded.delete(model.key);
    await model.batcher.drain();
    await model.runner.close();
    this.deps.observer?.unloaded?.(identityOf(model), reason);
    this.deps.logger.info({ model: model.name, version: model.version, precision: precisionName(model.precision), reason }, 'model unloaded');
    if (!this.closed) void this.sweepCache().catch((err: unknown) => this.deps.logger.warn({ err }, 'artifact cache sweep failed'));
  }

  private async sweepOnce(): Promise<number> {
    let removed = 0;
    for (const entry of this.deps.artifacts.list()) {
      if (this.closed) break;
      const states = await Promise.all(entry.refs.map((r) => this.deps.source.versionState(r.name, r.version)));
      if (!states.every((s) => s === 'deleted' || s === 'archived')) continue;
      const routed = new Set(this.aliasRoutes.values());
      for (const m of [...this.loaded.values()]) {
        if (m.sha256 === entry.sha256 && !routed.has(m.key)) this.evict(m, 'deleted');
      }
      await this.deps.artifacts.remove(entry.sha256);
      removed++;
    }
    return removed;
  }
}

interface LoadingEntry {
  promise: Promise<LoadedModel>;
  name: string;
  version: number;
  precision: common.Precision;
  /** Bytes reserved against the budget while it loads. */
  bytes: number;
}

function modelKey(name: string, version: number, precision: common.Precision): string {
  return `${name}/${version}#${precision}`;
}

function aliasKey(name: string, alias: string, precision: common.Precision): string {
  return `${name}@${alias}#${precision}`;
}
