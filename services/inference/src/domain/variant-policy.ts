import { common, precisionName, readVariantUsability, type VariantUsability } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import type { ModelSource } from './ports';

export interface VariantPolicyDeps {
  source: Pick<ModelSource, 'resolve'>;
  /**
   * How long a version's recorded usability is trusted before the registry
   * is asked again. The registry has no version-change watch (only aliases),
   * so a bounded staleness is the price of not asking on every request.
   */
  ttlMs: number;
  now?: () => number;
}

/** What a request may do with the variant it selected. */
export interface VariantVerdict {
  /** Set when the variant was never checked against fp32: served, with this warning. */
  warning?: string;
}

interface CacheEntry {
  usability: VariantUsability;
  fetchedAtMs: number;
}

/** Entries kept at most (one per served variant; old ones are dropped first). */
const MAX_ENTRIES = 1024;

/**
 * Serving policy for fp16 / int8 variants, from what the evaluator recorded
 * on the registry version (`variant/<precision>/usable`): a variant marked
 * not usable is refused (FAILED_PRECONDITION naming `precision`, with the
 * recorded evidence) unless the request explicitly allows it; a variant
 * never checked is served with a warning. fp32 is the reference: always served.
 */
export class VariantPolicy {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;

  constructor(private readonly deps: VariantPolicyDeps) {
    this.now = deps.now ?? Date.now;
  }

  async decide(model: { name: string; version: number; precision: common.Precision }, allowUnusable: boolean): Promise<VariantVerdict> {
    const name = precisionName(model.precision) ?? 'fp32';
    if (name === 'fp32') return {};
    const usability = await this.lookup(model.name, model.version, model.precision);
    const label = `the ${name} variant of ${model.name} version ${model.version}`;
    if (usability.state === 'not_usable') {
      if (allowUnusable) return { warning: `${label} is marked not usable (${usability.reason || 'no reason recorded'}); served because the request allowed it` };
      throw errors.failedPrecondition(
        `precision: ${label} is marked not usable: ${usability.reason || 'no reason recorded'}; use fp32, or allow it explicitly (allow_unusable_variant)`,
        { field: 'precision', reason: 'VARIANT_NOT_USABLE' },
      );
    }
    if (usability.state === 'unchecked') return { warning: `${label} has not been checked against fp32 (run CompareVariants)` };
    return {};
  }

  private async lookup(name: string, version: number, precision: common.Precision): Promise<VariantUsability> {
    const key = `${name}/${version}#${precision}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.fetchedAtMs < this.deps.ttlMs) return hit.usability;
    let usability: VariantUsability;
    try {
      const v = await this.deps.source.resolve({ name, selector: { $case: 'version', value: version } });
      usability = readVariantUsability(v.tags, precisionName(precision) ?? 'fp32');
    } catch {
      // The registry is unreachable: the last known answer stands; with none, the variant
      // counts as unchecked (served with a warning) rather than failing a model that is loaded.
      if (hit) return hit.usability;
      return { state: 'unchecked', reason: '' };
    }
    this.cache.delete(key);
    this.cache.set(key, { usability, fetchedAtMs: this.now() });
    while (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return usability;
  }
}
