import { common, type registry } from '@l1g1/contracts';
import { dataTypeToOip, errors, type Logger } from '@l1g1/kit';
import type { RegistryPort } from '../adapters/registry-client';
import { DynamicBatcher, type BatcherOptions, type BatchObserver } from './batcher';
import type { OrtRunner } from '../adapters/ort-runner';
import type { Signature, TensorSpec } from './types';

/** A model version loaded on workers, with its own batcher. */
export interface LoadedModel {
  readonly key: string;
  readonly name: string;
  readonly version: number;
  readonly precision: common.Precision;
  readonly sha256: string;
  readonly signature: Signature;
  readonly batcher: DynamicBatcher;
  readonly runner: OrtRunner;
  /** Requests holding this model (admitted, not yet answered). */
  leases: number;
  retired: boolean;
}

export interface ModelManagerDeps {
  registry: RegistryPort;
  createRunner: (modelPath: string) => Promise<OrtRunner>;
  batcher: BatcherOptions;
  logger: Logger;
  observer?: BatchObserver;
}

export interface ModelSelector {
  name: string;
  /** A version number, or undefined with `alias` (default `production`). */
  version?: number;
  alias?: string;
  precision: common.Precision;
}

const PRECISION_NAME: Record<number, string> = {
  [common.Precision.PRECISION_FP32]: 'fp32',
  [common.Precision.PRECISION_FP16]: 'fp16',
  [common.Precision.PRECISION_INT8]: 'int8',
};

export function precisionName(p: common.Precision): string {
  return PRECISION_NAME[p] ?? 'fp32';
}

function toSignature(sig: common.ModelSignature | undefined): Signature {
  const conv = (t: common.TensorSpec): TensorSpec => {
    const datatype = dataTypeToOip(t.datatype);
    if (!datatype) throw errors.failedPrecondition(`tensor "${t.name}" of the model has an unsupported datatype`);
    return { name: t.name, datatype, shape: t.shape.map(Number) };
  };
  return { inputs: (sig?.inputs ?? []).map(conv), outputs: (sig?.outputs ?? []).map(conv) };
}

/**
 * Owns loaded models and the routes to them. Routes by alias follow the
 * registry's alias watch: when an alias moves, the new version is loaded
 * first, then the route switches; requests already admitted finish on the
 * old version, which is unloaded once its last lease is returned.
 */
export class ModelManager {
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly loading = new Map<string, Promise<LoadedModel>>();
  /** `name@alias#precision` -> key of the loaded model it routes to. */
  private readonly aliasRoutes = new Map<string, string>();
  private readonly watch: { stop(): void };

  constructor(private readonly deps: ModelManagerDeps) {
    this.watch = deps.registry.watchAliases((e) => this.onAliasEvent(e));
  }

  /** Runs `fn` with a lease on the selected model (loading it if needed). */
  async withModel<T>(sel: ModelSelector, fn: (m: LoadedModel) => Promise<T>): Promise<T> {
    const model = await this.acquire(sel);
    model.leases++;
    try {
      return await fn(model);
    } finally {
      model.leases--;
      if (model.retired && model.leases === 0) void this.unload(model);
    }
  }

  async acquire(sel: ModelSelector): Promise<LoadedModel> {
    const precision = sel.precision || common.Precision.PRECISION_FP32;
    if (sel.version !== undefined && sel.version > 0) {
      const key = modelKey(sel.name, sel.version, precision);
      const hit = this.loaded.get(key);
      if (hit && !hit.retired) return hit;
      const v = await this.deps.registry.resolve({ name: sel.name, selector: { $case: 'version', value: sel.version } });
      return this.load(v, precision);
    }
    const alias = sel.alias || 'production';
    const route = aliasKey(sel.name, alias, precision);
    const routed = this.aliasRoutes.get(route);
    const hit = routed ? this.loaded.get(routed) : undefined;
    if (hit && !hit.retired) return hit;
    const v = await this.deps.registry.resolve({ name: sel.name, selector: { $case: 'alias', value: alias } });
    const model = await this.load(v, precision);
    this.aliasRoutes.set(route, model.key);
    return model;
  }

  list(): { model: LoadedModel; aliases: string[] }[] {
    return [...this.loaded.values()].map((model) => ({
      model,
      aliases: [...this.aliasRoutes]
        .filter(([, key]) => key === model.key)
        .map(([route]) => route.slice(route.indexOf('@') + 1, route.indexOf('#'))),
    }));
  }

  /** Unloads every precision of `name` (one version, or all when 0). */
  async unloadByName(name: string, version: number): Promise<number> {
    const victims = [...this.loaded.values()].filter((m) => m.name === name && (version === 0 || m.version === version));
    for (const m of victims) this.retire(m);
    return victims.length;
  }

  async close(): Promise<void> {
    this.watch.stop();
    await Promise.all([...this.loaded.values()].map((m) => this.unload(m)));
  }

  private load(v: registry.ModelVersion, precision: common.Precision): Promise<LoadedModel> {
    const key = modelKey(v.modelName, v.version, precision);
    const hit = this.loaded.get(key);
    if (hit && !hit.retired) return Promise.resolve(hit);
    let p = this.loading.get(key);
    if (!p) {
      p = this.doLoad(v, precision, key).finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return p;
  }

  private async doLoad(v: registry.ModelVersion, precision: common.Precision, key: string): Promise<LoadedModel> {
    const artifact = v.artifacts.find((a) => (a.precision || common.Precision.PRECISION_FP32) === precision);
    if (!artifact) {
      const have = v.artifacts.map((a) => precisionName(a.precision)).join(', ') || 'none';
      throw errors.notFound(`${precisionName(precision)} variant of ${v.modelName} version ${v.version} (available: ${have})`, {
        reason: 'VARIANT_NOT_FOUND',
      });
    }
    if (artifact.format && artifact.format !== 'onnx') {
      throw errors.failedPrecondition(`${v.modelName}/${v.version} is a ${artifact.format} artifact; only onnx is served`);
    }
    const started = Date.now();
    const path = await this.deps.registry.fetchArtifact(v, artifact);
    const runner = await this.deps.createRunner(path);
    const signature = toSignature(artifact.signature);
    const model: LoadedModel = {
      key,
      name: v.modelName,
      version: v.version,
      precision,
      sha256: artifact.sha256,
      signature,
      runner,
      batcher: new DynamicBatcher(
        runner,
        signature,
        this.deps.batcher,
        { name: v.modelName, version: v.version, precision, precisionName: precisionName(precision) },
        this.deps.observer,
      ),
      leases: 0,
      retired: false,
    };
    this.loaded.set(key, model);
    this.deps.logger.info({ model: v.modelName, version: v.version, precision: precisionName(precision), ms: Date.now() - started }, 'model loaded');
    return model;
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
      this.deps.registry
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
    this.retire(model);
  }

  private retire(model: LoadedModel): void {
    if (model.retired) return;
    model.retired = true;
    if (model.leases === 0) void this.unload(model);
  }

  private async unload(model: LoadedModel): Promise<void> {
    model.retired = true;
    if (this.loaded.get(model.key) === model) this.loaded.delete(model.key);
    await model.batcher.drain();
    await model.runner.close();
    this.deps.logger.info({ model: model.name, version: model.version }, 'model unloaded');
  }
}

function modelKey(name: string, version: number, precision: common.Precision): string {
  return `${name}/${version}#${precision}`;
}

function aliasKey(name: string, alias: string, precision: common.Precision): string {
  return `${name}@${alias}#${precision}`;
}
