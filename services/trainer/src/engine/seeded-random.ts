/**
 * A seeded PRNG whose whole state is one uint32, so a checkpoint can store it and a resumed run
 * draws exactly the numbers the uninterrupted run would have drawn. The generator is mulberry32,
 * the same sequence as `createMulberry32` in @l1g1/onnx (which hides its state in a closure, so
 * it cannot be saved and restored).
 */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** `n` floats in [0, 1). */
  nextN(n: number): number[];
  /** An integer in [0, bound), for bound ≤ 2^32. */
  nextInt(bound: number): number;
  /** The generator's state; `setState` with it replays the same sequence. */
  getState(): number;
  setState(state: number): void;
}

/** Creates a mulberry32 generator from a seed (any number; taken as uint32). */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    nextN: (n) => Array.from({ length: n }, next),
    nextInt: (bound) => Math.floor(next() * bound),
    getState: () => state,
    setState: (s) => {
      state = s >>> 0;
    },
  };
}
