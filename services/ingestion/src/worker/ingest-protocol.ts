/** Messages between the ingest job (main thread) and its worker thread. */
import type { JsonValue } from '@l1g1/kit';
import type { IngestSpec } from '../domain/ingest/ingest-spec';
import type { StoredRecord } from '../domain/snapshot/stored-record';

export interface IngestWorkerFile {
  name: string;
  path: string;
  sizeBytes: number;
  format: string;
  recordMetadata: Record<string, string>;
}

export interface IngestWorkerInput {
  spec: IngestSpec;
  files: IngestWorkerFile[];
  /** A folder of the worker's own (staging, archive temp files). */
  workDir: string;
  /** Ids of the base snapshot, when the upload dedupes against it. */
  knownIds: string[];
  maxFileBytes: number;
  maxFiles: number;
}

/** A file or entry that failed, as the report and RowError carry it (no internal cause). */
export interface WorkerFileError {
  file: string;
  row: number;
  byteOffset: number;
  reason: string;
  message: string;
}

export interface WorkerSummary {
  filesOk: number;
  filesFailed: number;
  rowsRead: number;
  rowsKept: number;
  /** `step/reason` → records dropped there. */
  droppedBy: Record<string, number>;
  /** PII step: records changed and redactions per kind. */
  rowsRedacted: number;
  redactionsByKind: Record<string, number>;
  errors: WorkerFileError[];
  /** Per-file lines (snake_case), for the manifest's upload report. */
  uploadReport: JsonValue;
  /** The cleaning steps' reports, for the manifest. */
  cleaningReport: JsonValue;
  /** Kept records per top-level file. */
  keptByFile: Record<string, number>;
}

export type WorkerToMain =
  | { type: 'records'; records: StoredRecord[] }
  | { type: 'progress'; counters: Record<string, number> }
  | { type: 'done'; summary: WorkerSummary }
  | { type: 'error'; error: { kind: string; reason: string; message: string; field: string } };

export type MainToWorker = { type: 'ack' };
