/**
 * The labeling service's writer of ingestion snapshots, through
 * client-streaming Ingest (bounded chunks, each write waiting for the
 * stream to drain): JSONL lines as one file, or images as one file each
 * (bytes as they are: no resize, so nothing is re-encoded). Cleaning that
 * would change the exported records is off: no dedupe, no normalisation,
 * no redaction.
 */
import { Metadata } from '@grpc/grpc-js';
import { ingestion } from '@l1g1/contracts';
import { errors, fromServiceError, isServiceError, writeWithBackpressure } from '@l1g1/kit';
import type { IngestedSnapshot, SnapshotSink, SnapshotUpload } from '../domain/ports';

/** Bytes per Ingest chunk message. */
const CHUNK_BYTES = 256 * 1024;
/**
 * The upload's deadline: the client's default is sized for unary calls, an
 * export of a large project streams for longer. The job's signal (cancel,
 * shutdown, lost lease) still ends it at once.
 */
const UPLOAD_DEADLINE_MS = 60 * 60 * 1000;

const IMAGE_FORMATS = { png: ingestion.SourceFormat.SOURCE_FORMAT_IMAGE_PNG, jpeg: ingestion.SourceFormat.SOURCE_FORMAT_IMAGE_JPEG } as const;

type Send = (m: ingestion.IngestRequest) => Promise<void>;
type FormatFields = Pick<ingestion.IngestHeader, 'format' | 'formatOptions'>;

export function createIngestionSnapshotSink(client: ingestion.IngestionServiceClient): SnapshotSink {
  /** One Ingest call: the header, then whatever `body` sends; cancelled (nothing published) on any failure. */
  async function upload(input: SnapshotUpload, format: FormatFields, body: (send: Send) => Promise<void>, signal: AbortSignal): Promise<IngestedSnapshot> {
    let settle!: (r: { err: unknown } | { result: ingestion.IngestResult }) => void;
    const done = new Promise<{ err: unknown } | { result: ingestion.IngestResult }>((resolve) => (settle = resolve));
    const call = client.ingest(new Metadata(), { deadline: Date.now() + UPLOAD_DEADLINE_MS }, (err, result) => settle(err ? { err } : { result: result as ingestion.IngestResult }));
    const onAbort = (): void => call.cancel();
    signal.addEventListener('abort', onAbort);
    try {
      const send: Send = (m) => writeWithBackpressure(call, m, signal);
      await send({
        payload: {
          $case: 'header',
          value: ingestion.IngestHeader.fromPartial({
            dataset: input.dataset,
            ...format,
            cleaning: { dedupe: ingestion.DedupeMode.DEDUPE_MODE_NONE, normalizeText: false },
            writeMode: ingestion.WriteMode.WRITE_MODE_REPLACE,
            idempotencyKey: input.idempotencyKey,
            description: input.description,
            tags: input.tags,
            // A record we wrote that ingestion cannot parse is our bug (or a broken source image): fail the upload, publish nothing.
            maxErrors: 1,
          }),
        },
      });
      await body(send);
      call.end();
      const outcome = await done;
      if ('err' in outcome) throw isServiceError(outcome.err) ? fromServiceError(outcome.err) : outcome.err;
      const { result } = outcome;
      if (!result.snapshot) throw errors.internal('ingestion answered an upload without a snapshot');
      return { snapshot: result.snapshot, rowsKept: result.counts?.rowsKept ?? 0, rowsFailed: result.counts?.rowsFailed ?? 0 };
    } catch (err: unknown) {
      // Cancelling the call is what makes ingestion drop the half-sent upload.
      call.cancel();
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** `bytes` as chunk messages of at most CHUNK_BYTES. */
  async function sendBytes(send: Send, bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) await send({ payload: { $case: 'chunk', value: Buffer.from(bytes.subarray(at, at + CHUNK_BYTES)) } });
  }

  return {
    ingestJsonl(input, signal) {
      const format: FormatFields = {
        format: ingestion.SourceFormat.SOURCE_FORMAT_JSONL,
        formatOptions: { $case: 'jsonl', value: { dataField: input.dataField, idField: input.idField, metadataFields: [], timestampField: '' } },
      };
      return upload(
        input,
        format,
        async (send) => {
          await send({ payload: { $case: 'file', value: ingestion.FileStart.fromPartial({ name: 'labels.jsonl' }) } });
          let buffer: Buffer[] = [];
          let size = 0;
          const flush = async (): Promise<void> => {
            if (size === 0) return;
            await send({ payload: { $case: 'chunk', value: Buffer.concat(buffer) } });
            buffer = [];
            size = 0;
          };
          for await (const line of input.lines) {
            const b = Buffer.from(`${line}\n`, 'utf8');
            buffer.push(b);
            size += b.length;
            if (size >= CHUNK_BYTES) await flush();
          }
          await flush();
        },
        signal,
      );
    },
    ingestImages(input, signal) {
      // max_side_px 0: the parser keeps the file's bytes as they are.
      const format: FormatFields = { format: ingestion.SourceFormat.SOURCE_FORMAT_IMAGE_PNG, formatOptions: { $case: 'image', value: { maxSidePx: 0 } } };
      return upload(
        input,
        format,
        async (send) => {
          for await (const image of input.images) {
            await send({ payload: { $case: 'file', value: ingestion.FileStart.fromPartial({ name: image.name, format: IMAGE_FORMATS[image.format], recordMetadata: image.metadata }) } });
            await sendBytes(send, image.bytes);
          }
        },
        signal,
      );
    },
  };
}
