/**
 * Drives the client-streaming Ingest RPC in tests: a header, then files
 * (each a FileStart and its bytes in chunks), answered by the IngestResult
 * or the gRPC error.
 */
import { ingestion } from '@l1g1/contracts';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type { IngestionClient } from './start-ingestion';

export interface UploadFile {
  name: string;
  bytes: Buffer | string;
  format?: ingestion.SourceFormat;
  recordMetadata?: Record<string, string>;
  expectedSha256?: string;
}

export type IngestOutcome = { ok: true; result: ingestion.IngestResult } | { ok: false; error: ServiceError };

/** A header with every field at its default, overridden by `over`. */
export function ingestHeader(over: Partial<ingestion.IngestHeader> & { dataset: string }): ingestion.IngestHeader {
  return { ...ingestion.IngestHeader.fromPartial({}), ...over };
}

const CHUNK = 64 * 1024;

/** Sends the upload and resolves with its outcome (never rejects); `deadlineMs` bounds the whole call (default 120 s). */
export function ingest(client: IngestionClient, header: ingestion.IngestHeader, files: UploadFile[], deadlineMs = 120_000): Promise<IngestOutcome> {
  return new Promise((resolve) => {
    const call = client.ingest(new Metadata(), { deadline: Date.now() + deadlineMs }, (error, result) => resolve(error ? { ok: false, error } : { ok: true, result: result as ingestion.IngestResult }));
    call.write({ payload: { $case: 'header', value: header } });
    for (const f of files) {
      call.write({
        payload: {
          $case: 'file',
          value: ingestion.FileStart.fromPartial({
            name: f.name,
            format: f.format ?? ingestion.SourceFormat.SOURCE_FORMAT_UNSPECIFIED,
            recordMetadata: f.recordMetadata ?? {},
            expectedSha256: f.expectedSha256 ?? '',
          }),
        },
      });
      const bytes = Buffer.isBuffer(f.bytes) ? f.bytes : Buffer.from(f.bytes);
      for (let i = 0; i < bytes.length; i += CHUNK) call.write({ payload: { $case: 'chunk', value: bytes.subarray(i, i + CHUNK) } });
    }
    call.end();
  });
}
