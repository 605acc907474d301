/** Element-wise closeness for optimizer and schedule tests: |a − e| ≤ tol·max(1, |e|), each index named on failure. */
import { strict as assert } from 'node:assert';

export function assertClose(actual: ArrayLike<number>, expected: number[], tol = 1e-6, what = 'values'): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const a = actual[i] as number;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}
