import { compareRecordIds } from './record-id-order';
import type { StoredRecord } from './stored-record';

/**
 * Merges id-sorted record streams into one id-sorted stream with one record
 * per id; when several streams hold an id, the one listed LAST wins
 * (CreateSnapshot: "later sources win"). Memory: one record per stream.
 */
export async function* mergeById(streams: readonly AsyncIterable<StoredRecord>[]): AsyncIterable<StoredRecord> {
  const cursors = streams.map((s) => s[Symbol.asyncIterator]());
  const heads: (StoredRecord | undefined)[] = await Promise.all(cursors.map(async (c) => (await c.next()).value as StoredRecord | undefined));
  const advance = async (i: number): Promise<void> => {
    const previous = heads[i];
    const next = await (cursors[i] as AsyncIterator<StoredRecord>).next();
    const value = next.done === true ? undefined : next.value;
    if (value !== undefined && previous !== undefined && compareRecordIds(previous.id, value.id) >= 0) {
      throw new Error(`merge: source ${i} is not sorted by id (${value.id} after ${previous.id})`);
    }
    heads[i] = value;
  };
  for (;;) {
    let min: string | undefined;
    for (const head of heads) if (head !== undefined && (min === undefined || compareRecordIds(head.id, min) < 0)) min = head.id;
    if (min === undefined) return;
    let winner: StoredRecord | undefined;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head !== undefined && head.id === min) {
        winner = head;
        await advance(i);
      }
    }
    if (winner !== undefined) yield winner;
  }
}
