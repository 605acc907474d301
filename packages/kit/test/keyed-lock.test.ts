import { strict as assert } from 'node:assert';
import { createKeyedLock } from '@l1g1/kit';

/** A promise and the function that settles it, to hold an operation open. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('kit: keyed lock', () => {
  it('runs operations on one key one after another, in call order, and other keys alongside', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const first = gate();
    const a1 = lock.run('a', async () => {
      order.push('a1 start');
      await first.opened;
      order.push('a1 end');
    });
    const a2 = lock.run('a', async () => {
      order.push('a2');
    });
    const b = lock.run('b', async () => {
      order.push('b');
    });
    await b;
    assert.deepEqual(order, ['a1 start', 'b'], 'b ran while a1 held key a; a2 waited');
    first.open();
    await Promise.all([a1, a2]);
    assert.deepEqual(order, ['a1 start', 'b', 'a1 end', 'a2']);
  });

  it('passes results and errors through, and a failure does not block the next holder', async () => {
    const lock = createKeyedLock();
    await assert.rejects(
      lock.run('k', async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await lock.run('k', async () => 42), 42);
  });
});
