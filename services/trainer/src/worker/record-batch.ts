/**
 * Records packed for the trip to the training thread: every payload in one
 * buffer (transferred, not copied) with end offsets, ids and metadata beside
 * it. The worker unpacks them into views of that buffer and featurizes them.
 */
import type { RecordInput } from '../models/record-input';

export interface RecordBatch {
  ids: string[];
  /** Every record's payload, concatenated. */
  data: Uint8Array;
  /** `ends[i]`: where record i's payload ends in `data`. */
  ends: Uint32Array;
  metadata: Record<string, string>[];
}

/** Packs `records` into one transferable buffer. */
export function packRecords(records: readonly { id: string; data: Uint8Array; metadata: Record<string, string> }[]): RecordBatch {
  const total = records.reduce((n, r) => n + r.data.byteLength, 0);
  const data = new Uint8Array(total);
  const ends = new Uint32Array(records.length);
  let at = 0;
  records.forEach((r, i) => {
    data.set(r.data, at);
    at += r.data.byteLength;
    ends[i] = at;
  });
  return { ids: records.map((r) => r.id), data, ends, metadata: records.map((r) => r.metadata) };
}

/** The records of a batch, their payloads as views of its buffer. */
export function unpackRecords(batch: RecordBatch): RecordInput[] {
  let start = 0;
  return batch.ids.map((_, i) => {
    const end = batch.ends[i] as number;
    // The id travels along so a model's error names the record (`record <id>: ...`).
    const record = { id: batch.ids[i] as string, data: batch.data.subarray(start, end), metadata: batch.metadata[i] ?? {} };
    start = end;
    return record;
  });
}

/** The buffers to transfer with a batch. */
export function transferables(batch: RecordBatch): ArrayBuffer[] {
  return [batch.data.buffer as ArrayBuffer, batch.ends.buffer as ArrayBuffer];
}
