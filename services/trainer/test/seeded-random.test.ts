import { strict as assert } from 'node:assert';
import { createSeededRandom } from '../src/engine/seeded-random';
import { epochPermutation } from '../src/engine/data-order';

describe('trainer engine: seeded PRNG and data order', () => {
  it('draws the same sequence as @l1g1/onnx mulberry32 for the same seed', () => {
    // produced by packages/onnx/dist/prng.js: createMulberry32(42), first 5 draws (not exported by its barrel)
    const theirs = [0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693, 0.17481389874592423];
    assert.deepEqual(createSeededRandom(42).nextN(5), theirs);
  });

  it('a saved state replays the rest of the sequence exactly', () => {
    const r = createSeededRandom(9);
    r.nextN(13);
    const saved = r.getState();
    const rest = r.nextN(10);
    const replay = createSeededRandom(123);
    replay.setState(saved);
    assert.deepEqual(replay.nextN(10), rest);
  });

  it('nextInt stays in [0, bound)', () => {
    const r = createSeededRandom(5);
    const seen = new Set(Array.from({ length: 200 }, () => r.nextInt(7)));
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5, 6]);
  });

  it('an epoch permutation is a permutation, fixed by (seed, epoch), different across epochs and seeds', () => {
    const p = epochPermutation(50, 42, 0);
    assert.deepEqual(Array.from(p).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(epochPermutation(50, 42, 0), p);
    assert.notDeepEqual(epochPermutation(50, 42, 1), p);
    assert.notDeepEqual(epochPermutation(50, 43, 0), p);
    assert.deepEqual(Array.from(epochPermutation(1, 42, 0)), [0]);
    assert.equal(epochPermutation(0, 42, 0).length, 0);
  });
});
