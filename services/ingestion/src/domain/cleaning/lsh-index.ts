import { errors } from '@l1g1/kit';
import { estimateJaccard, fmix32 } from './minhash';

export interface LshOptions {
  /** Bands; a pair becomes a candidate when all rows of one band agree. Default 32. */
  bands?: number;
  /** Rows per band; bands × rows must not exceed the signature length. Default 4. */
  rows?: number;
}

export interface LshMatch {
  /** Index (insertion order) of the most similar stored signature. */
  readonly index: number;
  readonly jaccard: number;
}

/**
 * Locality-sensitive hashing over MinHash signatures (banding, as in
 * Leskovec, Rajaraman & Ullman, "Mining of Massive Datasets", ch. 3): a pair
 * with Jaccard s becomes a candidate with probability 1 - (1 - s^rows)^bands
 * (defaults 32 × 4: 0.99999995 at s = 0.8, 0.87 at 0.5), and each candidate is
 * then checked against the threshold on its estimated Jaccard. A bucket holds
 * one index as a plain number until a second arrives, so a kept record costs
 * its signature plus about one small map entry per band.
 */
export class LshIndex {
  readonly bands: number;
  readonly rows: number;
  private readonly buckets: Map<number, number | number[]>[];
  private readonly signatures: Uint32Array[] = [];

  constructor(signatureLength: number, options: LshOptions = {}) {
    this.bands = options.bands ?? 32;
    this.rows = options.rows ?? 4;
    if (!Number.isInteger(this.bands) || this.bands < 1) throw errors.invalidArgument('bands', 'must be an integer >= 1');
    if (!Number.isInteger(this.rows) || this.rows < 1) throw errors.invalidArgument('rows', 'must be an integer >= 1');
    if (this.bands * this.rows > signatureLength) {
      throw errors.invalidArgument('bands', `bands × rows (${this.bands * this.rows}) exceeds num_permutations (${signatureLength})`);
    }
    this.buckets = Array.from({ length: this.bands }, () => new Map<number, number | number[]>());
  }

  get size(): number {
    return this.signatures.length;
  }

  /** The most similar stored signature at or above `threshold`, if any. */
  query(signature: Uint32Array, threshold: number): LshMatch | undefined {
    const checked = new Set<number>();
    let best: LshMatch | undefined;
    for (let band = 0; band < this.bands; band += 1) {
      const entry = this.buckets[band]?.get(this.bandKey(signature, band));
      if (entry === undefined) continue;
      for (const index of typeof entry === 'number' ? [entry] : entry) {
        if (checked.has(index)) continue;
        checked.add(index);
        const stored = this.signatures[index];
        if (stored === undefined) continue;
        const jaccard = estimateJaccard(signature, stored);
        if (jaccard >= threshold && (best === undefined || jaccard > best.jaccard)) best = { index, jaccard };
      }
    }
    return best;
  }

  /** Stores a signature; returns its index. */
  insert(signature: Uint32Array): number {
    const index = this.signatures.length;
    this.signatures.push(signature);
    for (let band = 0; band < this.bands; band += 1) {
      const buckets = this.buckets[band];
      if (buckets === undefined) continue;
      const key = this.bandKey(signature, band);
      const entry = buckets.get(key);
      if (entry === undefined) buckets.set(key, index);
      else if (typeof entry === 'number') buckets.set(key, [entry, index]);
      else entry.push(index);
    }
    return index;
  }

  /** A 32-bit key of one band's rows (a collision only adds a candidate, which the check rejects). */
  private bandKey(signature: Uint32Array, band: number): number {
    let h = 0x811c9dc5 ^ band;
    for (let r = band * this.rows; r < (band + 1) * this.rows; r += 1) h = fmix32(h ^ (signature[r] ?? 0)) + r;
    return fmix32(h);
  }
}
