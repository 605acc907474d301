/**
 * Worker thread entry: parses and cleans one upload's spooled files
 * (runUploadPipeline with the real parsers and archive expansion, then the
 * cleaning steps) off the service's event loop, and streams the kept
 * records to the main thread in batches, one batch in flight at a time.
 */
import { ingestion } from '@l1g1/contracts';
import { L1g1Error, type JsonValue } from '@l1g1/kit';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { createArchiveExpander } from '../adapters/archives';
import { createUploadCleaningPipeline } from '../domain/ingest/cleaning-steps';
import { createSharpImageCodec } from '../adapters/sharp-image-codec';
import type { SourceFormatName } from '../domain/detect/source-format';
import { runUploadPipeline } from '../domain/pipeline';
import type { StoredRecord } from '../domain/snapshot/stored-record';
import type { IngestWorkerInput, MainToWorker, WorkerFileError, WorkerSummary, WorkerToMain } from './ingest-protocol';
import { createParserMap } from './parser-map';
import { spooledFileSource } from './spooled-file-source';
import { createStagedCleaningSink } from './staged-cleaning-sink';

const MAX_BATCH_RECORDS = 256;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_ERRORS_LISTED = 1000;
const PII_KIND_NAMES: Record<string, string> = {
  email: 'EMAIL',
  phone: 'PHONE',
  cn_mobile: 'PHONE',
  card: 'CREDIT_CARD',
  ipv4: 'IP_ADDRESS',
  ipv6: 'IP_ADDRESS',
  iban: 'IBAN',
  cn_id: 'NATIONAL_ID',
};

const port = parentPort;
if (!port) throw new Error('ingest-worker must run in a worker thread');
const post = (m: WorkerToMain): void => port.postMessage(m);

let ackWaiter: (() => void) | undefined;
port.on('message', (m: MainToWorker) => {
  if (m.type === 'ack') {
    const w = ackWaiter;
    ackWaiter = undefined;
    w?.();
  }
});

async function run(input: IngestWorkerInput): Promise<WorkerSummary> {
  const header = ingestion.IngestHeader.fromJSON(input.spec.header_json);
  const stagingDir = join(input.workDir, 'staging');
  const archiveDir = join(input.workDir, 'archives');
  mkdirSync(stagingDir, { recursive: true });
  mkdirSync(archiveDir, { recursive: true });
  // sharp loads only when images are normalised (as the binary parsers load it: lazily).
  const imageCodec = input.spec.cleaning.image === undefined ? undefined : createSharpImageCodec({ sharp: (await import('sharp')).default });
  const pipeline = createUploadCleaningPipeline(input.spec.cleaning, { knownIds: input.knownIds, ...(imageCodec === undefined ? {} : { imageCodec }) });
  const topLevel = new Map(input.files.map((f) => [f.name, f]));
  const topOf = (file: string): string | undefined => {
    if (topLevel.has(file)) return file;
    // Archive entries are named `<archive>/<entry path>`: the longest top-level prefix is their archive.
    let best: string | undefined;
    for (const name of topLevel.keys()) if (file.startsWith(`${name}/`) && (best === undefined || name.length > best.length)) best = name;
    return best;
  };
  const keptByFile: Record<string, number> = {};

  let batch: StoredRecord[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    batchBytes = 0;
    const acked = new Promise<void>((resolve) => {
      ackWaiter = resolve;
    });
    post({ type: 'records', records });
    await acked;
  };
  let lastProgressMs = 0;
  let bytesRead = 0;
  const sink = createStagedCleaningSink({
    stagingDir,
    pipeline,
    metadataFor: (file) => {
      const top = topOf(file);
      const f = top === undefined ? undefined : topLevel.get(top);
      return { ...input.spec.record_metadata, ...(f?.recordMetadata ?? {}) };
    },
    async emit(record) {
      const top = topOf(record.metadata['source_file'] ?? '') ?? '';
      keptByFile[top] = (keptByFile[top] ?? 0) + 1;
      batch.push(record);
      batchBytes += record.data.byteLength;
      if (batch.length >= MAX_BATCH_RECORDS || batchBytes >= MAX_BATCH_BYTES) await flush();
    },
    maxErrors: input.spec.max_errors,
    onCounters(c) {
      const now = Date.now();
      if (now - lastProgressMs < 200) return;
      lastProgressMs = now;
      post({
        type: 'progress',
        counters: { bytes_read: bytesRead, files_read: c.filesRead, rows_read: c.rowsRead + c.filesFailed, rows_kept: c.rowsKept, rows_failed: c.filesFailed },
      });
    },
  });
  const sources = (async function* () {
    for (const f of input.files) {
      yield spooledFileSource(f.name, f.path, f.sizeBytes);
      bytesRead += f.sizeBytes;
    }
  })();
  const report = await runUploadPipeline(sources, sink, {
    parsers: createParserMap(header, input.maxFileBytes),
    archives: createArchiveExpander({ tmpDir: archiveDir }),
    declaredFormat: (file) => {
      const f = topLevel.get(file);
      if (!f) return undefined;
      const declared = f.format || headerFormat(header);
      return declared ? (declared as SourceFormatName) : undefined;
    },
    maxFiles: input.maxFiles,
  });
  await flush();

  const cleaning = pipeline.report();
  const pii = cleaning.steps.find((s) => s.step === 'pii_redaction');
  const redactionsByKind: Record<string, number> = {};
  for (const [name, n] of Object.entries(pii?.counters ?? {})) {
    if (!name.startsWith('redacted_')) continue;
    const kind = PII_KIND_NAMES[name.slice('redacted_'.length)] ?? name.slice('redacted_'.length).toUpperCase();
    redactionsByKind[kind] = (redactionsByKind[kind] ?? 0) + n;
  }
  const failedLines = report.files.filter((f) => f.status !== 'ok' && f.error);
  const errors: WorkerFileError[] = failedLines.slice(0, MAX_ERRORS_LISTED).map((f) => {
    const m = f.error?.metadata ?? {};
    return {
      file: f.file,
      row: Number(m['row'] ?? m['line'] ?? 0) || 0,
      byteOffset: Number(m['byte_offset'] ?? 0) || 0,
      reason: f.error?.reason ?? 'PARSE_FAILED',
      message: f.error?.message ?? `${f.file}: could not be parsed`,
    };
  });
  const failedFiles = failedLines.length;
  return {
    filesOk: report.filesOk,
    filesFailed: report.filesFailed,
    rowsRead: cleaning.input + failedFiles,
    rowsKept: cleaning.kept,
    droppedBy: { ...cleaning.droppedBy },
    rowsRedacted: pii?.changed ?? 0,
    redactionsByKind,
    errors,
    uploadReport: {
      files: report.files.map((f) => ({
        file: f.file,
        format: f.format,
        detected_by: f.detectedBy,
        status: f.status,
        records: f.records,
        ...(f.entries === undefined ? {} : { entries: f.entries }),
        ...(f.error ? { error: { reason: f.error.reason, message: f.error.message } } : {}),
      })),
      files_ok: report.filesOk,
      files_failed: report.filesFailed,
    },
    // The steps' reports are plain JSON (counts, examples with redacted excerpts).
    cleaningReport: JSON.parse(JSON.stringify(cleaning)) as JsonValue,
    keptByFile,
  };
}

function headerFormat(header: ingestion.IngestHeader): string {
  if (header.format === ingestion.SourceFormat.SOURCE_FORMAT_UNSPECIFIED) return '';
  const name = ingestion.SourceFormat[header.format];
  return name ? name.slice('SOURCE_FORMAT_'.length).toLowerCase() : '';
}

run(workerData as IngestWorkerInput).then(
  (summary) => post({ type: 'done', summary }),
  (err: unknown) => {
    const e = err instanceof L1g1Error ? err : undefined;
    post({
      type: 'error',
      error: e
        ? { kind: e.kind, reason: e.reason, message: e.message, field: e.field }
        : // Anything else is our bug: the main thread logs it as INTERNAL and the client sees a stable message.
          { kind: 'INTERNAL', reason: 'INTERNAL', message: err instanceof Error ? err.stack ?? err.message : String(err), field: '' },
    });
  },
);
