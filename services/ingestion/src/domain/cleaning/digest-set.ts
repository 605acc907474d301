/** Bytes of one digest (sha256). */
export const DIGEST_BYTES = 32;
const WORDS = DIGEST_BYTES / 4;
/** Digests per storage block: 256 KiB blocks, so growth never copies the digests themselves and a small upload holds little. */
const BLOCK_DIGESTS = 8192;
const MAX_LOAD = 0.75;
const INITIAL_SLOTS = 1024;

/**
 * A set of sha256 digests in flat typed arrays, for exact dedupe over
 * millions of records: a `Set<string>` of 64-char hex keys costs about 125
 * bytes of heap per entry, this about 32 bytes (the digest, in 256 KiB blocks)
 * plus 5.3 to 10.7 (a Uint32 slot table at load 0.375 to 0.75), i.e. at most
 * ~43 bytes per distinct record, and off the V8 heap so the GC never walks it.
 * Open addressing with linear probing on the digest's first word: sha256 is
 * uniform, so no further hashing is needed; equality compares all 32 bytes.
 * Hand-written because no npm package offers a compact fixed-width byte set.
 */
export class DigestSet {
  private readonly blocks: Uint32Array[] = [];
  /** 0 = empty, else 1 + the digest's index in `blocks`. */
  private slots = new Uint32Array(INITIAL_SLOTS);
  private count = 0;
  /** The digest being looked up, as aligned words (one at a time: steps are synchronous). */
  private readonly scratch = new Uint32Array(WORDS);
  private readonly scratchBytes = new Uint8Array(this.scratch.buffer);

  get size(): number {
    return this.count;
  }

  /** Bytes the set holds now (digest blocks and slot table). */
  get byteLength(): number {
    return this.blocks.length * BLOCK_DIGESTS * DIGEST_BYTES + this.slots.byteLength;
  }

  has(digest: Uint8Array): boolean {
    return this.find(this.wordsOf(digest)) >= 0;
  }

  /** Adds `digest`; false when it was already there. */
  add(digest: Uint8Array): boolean {
    const words = this.wordsOf(digest);
    const at = this.find(words);
    if (at >= 0) return false;
    const index = this.count;
    const block = index / BLOCK_DIGESTS | 0;
    if (block === this.blocks.length) this.blocks.push(new Uint32Array(BLOCK_DIGESTS * WORDS));
    this.blocks[block]?.set(words, (index % BLOCK_DIGESTS) * WORDS);
    this.slots[-at - 1] = index + 1;
    this.count += 1;
    if (this.count > this.slots.length * MAX_LOAD) this.grow();
    return true;
  }

  private wordsOf(digest: Uint8Array): Uint32Array {
    if (digest.byteLength !== DIGEST_BYTES) throw new RangeError(`a digest is ${DIGEST_BYTES} bytes, got ${digest.byteLength}`);
    // A copy, aligned: a Buffer from a pool may sit at any byte offset.
    this.scratchBytes.set(digest);
    return this.scratch;
  }

  private wordAt(index: number, word: number): number {
    return this.blocks[index / BLOCK_DIGESTS | 0]?.[(index % BLOCK_DIGESTS) * WORDS + word] ?? 0;
  }

  /** The slot holding `words` (>= 0), or -(free slot + 1) where it would go. */
  private find(words: Uint32Array): number {
    const mask = this.slots.length - 1;
    for (let slot = (words[0] ?? 0) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot] ?? 0;
      if (entry === 0) return -slot - 1;
      let equal = true;
      for (let w = 0; w < WORDS; w += 1) {
        if (this.wordAt(entry - 1, w) !== words[w]) {
          equal = false;
          break;
        }
      }
      if (equal) return slot;
    }
  }

  private grow(): void {
    const slots = new Uint32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let index = 0; index < this.count; index += 1) {
      let slot = this.wordAt(index, 0) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = index + 1;
    }
    this.slots = slots;
  }
}
