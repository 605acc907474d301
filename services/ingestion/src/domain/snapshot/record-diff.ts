import { compareRecordIds } from './record-id-order';

/** What a diff needs of a record: its id and metadata (payloads are never compared: same id, same content). */
export interface DiffableRecord {
  id: string;
  metadata: Readonly<Record<string, string>>;
}

export type ChangeKind = 'added' | 'removed' | 'metadata_changed';

export interface RecordChange {
  recordId: string;
  kind: ChangeKind;
  /** Only the keys that differ (a key missing on one side is absent from that side's map). */
  metadataBefore: Record<string, string>;
  metadataAfter: Record<string, string>;
}

/** One step of the merge: a change, or an id present unchanged on both sides. */
export type DiffStep = RecordChange | { recordId: string; kind: 'unchanged' };

/**
 * The records added, removed or whose metadata changed from `before` to
 * `after`, as a streaming merge over two id-sorted streams (snapshot files
 * are sorted by id): memory is one record per side, whatever the sizes.
 * Steps come in id order. A stream out of order is an error, not a wrong diff.
 */
export async function* diffRecordStreams(before: AsyncIterable<DiffableRecord>, after: AsyncIterable<DiffableRecord>): AsyncIterable<DiffStep> {
  const a = sortedCursor(before[Symbol.asyncIterator](), 'before');
  const b = sortedCursor(after[Symbol.asyncIterator](), 'after');
  let x = await a.next();
  let y = await b.next();
  while (x !== undefined || y !== undefined) {
    const order = x === undefined ? 1 : y === undefined ? -1 : compareRecordIds(x.id, y.id);
    if (order < 0 && x !== undefined) {
      yield { recordId: x.id, kind: 'removed', metadataBefore: { ...x.metadata }, metadataAfter: {} };
      x = await a.next();
    } else if (order > 0 && y !== undefined) {
      yield { recordId: y.id, kind: 'added', metadataBefore: {}, metadataAfter: { ...y.metadata } };
      y = await b.next();
    } else if (x !== undefined && y !== undefined) {
      const delta = metadataDelta(x.metadata, y.metadata);
      yield delta === undefined ? { recordId: x.id, kind: 'unchanged' } : { recordId: x.id, kind: 'metadata_changed', ...delta };
      x = await a.next();
      y = await b.next();
    }
  }
}

/** The keys whose values differ, per side; undefined when the maps are equal. */
export function metadataDelta(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): { metadataBefore: Record<string, string>; metadataAfter: Record<string, string> } | undefined {
  const metadataBefore: Record<string, string> = {};
  const metadataAfter: Record<string, string> = {};
  let differs = false;
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[key];
    const is = after[key];
    if (was === is) continue;
    differs = true;
    if (was !== undefined) metadataBefore[key] = was;
    if (is !== undefined) metadataAfter[key] = is;
  }
  return differs ? { metadataBefore, metadataAfter } : undefined;
}

/** Counts over a whole diff plus one page of changes after a given id. */
export interface DiffSummary {
  added: number;
  removed: number;
  metadataChanged: number;
  unchanged: number;
  /** At most `pageSize` changes with id after `afterId`, in id order. */
  changes: RecordChange[];
  /** The last change's id when more changes follow (the next page's `afterId`); undefined on the last page. */
  nextAfterId: string | undefined;
}

/**
 * Walks a whole diff for its counts, keeping only one page of changes
 * (keyset paging by record id: the files are immutable, so a page token
 * holding the last id stays valid forever). `pageSize` 0 keeps no changes.
 */
export async function summarizeDiff(steps: AsyncIterable<DiffStep>, page: { pageSize: number; afterId?: string }): Promise<DiffSummary> {
  const summary: DiffSummary = { added: 0, removed: 0, metadataChanged: 0, unchanged: 0, changes: [], nextAfterId: undefined };
  let more = false;
  for await (const step of steps) {
    if (step.kind === 'unchanged') {
      summary.unchanged++;
      continue;
    }
    if (step.kind === 'added') summary.added++;
    else if (step.kind === 'removed') summary.removed++;
    else summary.metadataChanged++;
    if (page.pageSize <= 0 || (page.afterId !== undefined && compareRecordIds(step.recordId, page.afterId) <= 0)) continue;
    if (summary.changes.length < page.pageSize) summary.changes.push(step);
    else more = true;
  }
  if (more) summary.nextAfterId = summary.changes.at(-1)?.recordId;
  return summary;
}

function sortedCursor(it: AsyncIterator<DiffableRecord>, side: string): { next(): Promise<DiffableRecord | undefined> } {
  let last: string | undefined;
  return {
    async next() {
      const r = await it.next();
      if (r.done === true) return undefined;
      if (last !== undefined && compareRecordIds(last, r.value.id) >= 0) {
        throw new Error(`diff: the ${side} stream is not sorted by id (${r.value.id} after ${last})`);
      }
      last = r.value.id;
      return r.value;
    },
  };
}
