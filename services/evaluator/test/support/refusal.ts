import { strict as assert } from 'node:assert';
import type { L1g1Error } from '@l1g1/kit';

/** The error a call was refused with; fails the test when the call succeeded. */
export async function refusal(p: Promise<unknown>): Promise<L1g1Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as L1g1Error,
  );
  assert.ok(err, 'the call was refused');
  return err;
}
