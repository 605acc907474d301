/**
 * Snapshot reading handlers: ReadRecords (server streaming, resumable,
 * sharded) and DiffSnapshots (counts + paged changes). CreateSnapshot
 * (derivation as a job) lives in derive-handlers.ts.
 */
import { ingestion, type common } from '@l1g1/contracts';
import { cancellationSignal, decodePageToken, encodePageToken, errors, filterFingerprint, writeWithBackpressure, type AsyncService, type DrainableSink } from '@l1g1/kit';
import { planRead, type ReadPlan } from '../domain/snapshot/read-plan';
import { diffRecordStreams, summarizeDiff, type RecordChange } from '../domain/snapshot/record-diff';
import { isEmptyFilter } from '../domain/snapshot/record-filter';
import { snapshotRefInput } from '../domain/snapshot/snapshot-ref-input';
import type { SnapshotRef, StoredRecord } from '../domain/snapshot/stored-record';

type Handlers = AsyncService<ingestion.IngestionServiceService>;
export type SnapshotReadHandlers = Pick<Handlers, 'readRecords' | 'diffSnapshots'>;

/** An opened snapshot, as CORE's `deps.snapshots.open` answers it (only what these handlers use). */
export interface ReadableSnapshot {
  /** The resolved reference (version 0 became the latest). */
  readonly ref: SnapshotRef;
  readonly recordCount: number;
  /** Rows [fromRow, toRow) in id order with their row index; `metadataOnly` skips the payload columns. */
  rows(fromRow?: number, toRow?: number, opts?: { metadataOnly?: boolean }): AsyncIterable<{ row: number; record: StoredRecord }>;
}

/** Where snapshots are opened (`deps.snapshots`); NOT_FOUND when there is no such snapshot. */
export interface SnapshotReader {
  open(ref: SnapshotRef): Promise<ReadableSnapshot>;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const DIFF_PAGE_KIND = 'diff';

/** Handlers over the published snapshots (`deps.snapshots`). */
export function createSnapshotReadHandlers(deps: { snapshots: SnapshotReader }): SnapshotReadHandlers {
  const snapshotFiles = deps.snapshots;
  return {
    async readRecords(req, call) {
      const signal = cancellationSignal(call);
      const ref = snapshotRefInput(req.snapshot, 'snapshot');
      const plan = planRead({
        dataset: ref.dataset,
        version: ref.version,
        filter: req.filter,
        split: req.split,
        shardIndex: req.shardIndex,
        shardCount: req.shardCount,
        resumeToken: req.resumeToken,
        limit: req.limit,
        batchSize: req.batchSize,
        metadataOnly: req.metadataOnly,
      });
      const snap = await snapshotFiles.open({ dataset: plan.dataset, version: plan.version });
      await streamRecords(snap, plan, call, signal, isEmptyFilter(req.filter) && req.split === '' && req.shardCount === 0);
    },

    async diffSnapshots(req) {
      const from = snapshotRefInput({ name: req.dataset, snapshot: req.fromVersion }, 'dataset');
      if (req.fromVersion < 1) throw errors.invalidArgument('from_version', 'name the snapshot to compare from (>= 1)');
      if (req.toVersion < 0) throw errors.invalidArgument('to_version', `must be >= 0 (0: the latest), got ${req.toVersion}`);
      const pageSize = req.page?.pageSize ?? 0;
      if (!Number.isInteger(pageSize) || pageSize < 0) throw errors.invalidArgument('page.page_size', `must be >= 0, got ${pageSize}`);
      const before = await snapshotFiles.open(from);
      const after = await snapshotFiles.open({ dataset: req.dataset, version: req.toVersion });
      // The token is bound to the resolved versions, so "latest" cannot move under a paging client.
      const fingerprint = filterFingerprint({ dataset: req.dataset, from: before.ref.version, to: after.ref.version });
      const afterId = decodePageToken(req.page?.pageToken ?? '', DIFF_PAGE_KIND, fingerprint, 'string');
      const size = req.includeChanges ? Math.min(pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize, MAX_PAGE_SIZE) : 0;
      const summary = await summarizeDiff(diffRecordStreams(records(before, true), records(after, true)), {
        pageSize: size,
        ...(afterId === undefined ? {} : { afterId }),
      });
      return {
        added: summary.added,
        removed: summary.removed,
        metadataChanged: summary.metadataChanged,
        unchanged: summary.unchanged,
        changes: summary.changes.map(changeToWire),
        page: {
          nextPageToken: summary.nextAfterId === undefined ? '' : encodePageToken(DIFF_PAGE_KIND, fingerprint, summary.nextAfterId),
          totalSize: summary.added + summary.removed + summary.metadataChanged,
        },
      };
    },
  };
}

async function* records(snap: ReadableSnapshot, metadataOnly: boolean): AsyncIterable<StoredRecord> {
  for await (const { record } of snap.rows(0, undefined, { metadataOnly })) yield record;
}

/**
 * Streams the plan's records in batches, each written only when the client
 * took the previous ones (backpressure), each with the token that resumes
 * after it. The first batch names the pinned snapshot and the total; a read
 * with nothing to send still answers one empty batch carrying both.
 */
async function streamRecords(
  snap: ReadableSnapshot,
  plan: ReadPlan,
  call: DrainableSink<ingestion.ReadRecordsResponse>,
  signal: AbortSignal,
  unfiltered: boolean,
): Promise<void> {
  const pinned: common.DatasetRef = { name: snap.ref.dataset, snapshot: snap.ref.version };
  const totalRecords = unfiltered ? snap.recordCount : await countSelected(snap, plan, signal);
  let first = true;
  let sent = plan.alreadySent;
  let batch: common.Record[] = [];
  let nextRow = plan.startRow;
  const flush = async (): Promise<void> => {
    const message: ingestion.ReadRecordsResponse = {
      records: batch,
      resumeToken: plan.tokenAt(snap.ref.version, nextRow, sent),
      snapshot: pinned,
      totalRecords: first ? totalRecords : 0,
    };
    first = false;
    batch = [];
    await writeWithBackpressure(call, message, signal);
  };
  const limitEnd = plan.alreadySent + plan.remaining;
  if (sent < limitEnd) {
    for await (const { row, record } of snap.rows(plan.startRow, undefined, { metadataOnly: plan.metadataOnly })) {
      if (signal.aborted) return;
      nextRow = row + 1;
      if (!plan.accepts(record)) continue;
      batch.push(recordToWire(record));
      sent++;
      if (batch.length >= plan.batchSize || sent >= limitEnd) await flush();
      if (sent >= limitEnd) break;
    }
  }
  if (batch.length > 0 || first) await flush();
}

async function countSelected(snap: ReadableSnapshot, plan: ReadPlan, signal: AbortSignal): Promise<number> {
  let n = 0;
  for await (const { record } of snap.rows(0, undefined, { metadataOnly: true })) {
    if (signal.aborted) break;
    if (plan.accepts(record)) n++;
  }
  return n;
}

function recordToWire(r: StoredRecord): common.Record {
  return {
    id: r.id,
    data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    contentType: r.contentType,
    metadata: r.metadata,
    timestampUs: r.timestampUs ?? 0,
  };
}

const CHANGE_KIND: Record<RecordChange['kind'], ingestion.ChangeKind> = {
  added: ingestion.ChangeKind.CHANGE_KIND_ADDED,
  removed: ingestion.ChangeKind.CHANGE_KIND_REMOVED,
  metadata_changed: ingestion.ChangeKind.CHANGE_KIND_METADATA_CHANGED,
};

function changeToWire(c: RecordChange): ingestion.RecordChange {
  return { recordId: c.recordId, kind: CHANGE_KIND[c.kind], metadataBefore: c.metadataBefore, metadataAfter: c.metadataAfter };
}


