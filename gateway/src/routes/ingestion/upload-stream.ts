/**
 * A dataset upload from the HTTP body into the client-streaming Ingest RPC,
 * never buffered whole: a raw body (one file, or an archive the service
 * expands) or `multipart/form-data` with many files, parsed as it arrives
 * by busboy. The file bytes flow with backpressure (a full gRPC buffer
 * pauses the HTTP body); a client that goes away cancels the call, and the
 * service then keeps nothing.
 */
import type { ClientWritableStream } from '@grpc/grpc-js';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { ingestion } from '@l1g1/contracts';
import { errors, fromServiceError, L1g1Error, pauseUntilDrained } from '@l1g1/kit';
import { forwardMetadata } from '../common';
import { folderLabel } from './folder-label';
import { settleUpload } from '../body-relay';

export interface UploadLimits {
  /** Whole body (all files together); beyond it the call is cancelled and the answer is 413. */
  maxUploadBytes: number;
  /** gRPC deadline of the whole transfer. */
  deadlineMs: number;
}

export interface UploadOptions {
  /** Name of a raw body's file (`?filename=`); multipart parts carry their own. */
  filename: string | undefined;
  /** Multipart: the folder a file sits in becomes its record metadata `label`. */
  labelFromFolder: boolean;
}

type IngestClient = Pick<ingestion.IngestionServiceClient, 'ingest'>;

/** The name a raw body gets when the client gave none (detection falls back on the bytes). */
function defaultName(contentType: string): string {
  if (contentType.includes('x-tar')) return 'upload.tar';
  if (contentType.includes('zip')) return 'upload.zip';
  if (contentType.includes('gzip')) return 'upload.gz';
  return 'upload';
}

function tooLarge(limit: number): L1g1Error {
  return new L1g1Error('INVALID_ARGUMENT', `body: the upload exceeds the limit of ${limit} bytes`, { reason: 'BODY_TOO_LARGE', field: 'body' });
}

/** A busboy parser for a multipart body, or the 400 for a content type it cannot parse (no boundary). */
function openMultipart(req: FastifyRequest): busboy.Busboy | L1g1Error {
  try {
    // preservePath: a part's folder is what --label-from-folder reads (kept as metadata only, never a disk path).
    return busboy({ headers: req.headers, preservePath: true, limits: { fieldSize: 64 * 1024, fields: 0 } });
  } catch (err) {
    return errors.invalidArgument('content-type', `multipart/form-data needs a boundary: ${err instanceof Error ? err.message.slice(0, 100) : 'bad header'}`);
  }
}

/** Streams the request body into `Ingest`; resolves with the service's result. */
export function streamUpload(
  client: IngestClient,
  req: FastifyRequest,
  header: ingestion.IngestHeader,
  options: UploadOptions,
  limits: UploadLimits,
): Promise<ingestion.IngestResult> {
  const body = req.body as Readable;
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  // Decided before the Ingest call opens: a call cancelled in the tick that
  // opened it can reach the service as a header with no cancel after it,
  // which then held an upload slot until its deadline.
  const parsed = contentType.startsWith('multipart/form-data') ? openMultipart(req) : undefined;
  if (parsed instanceof L1g1Error) {
    body.resume();
    return Promise.reject(parsed);
  }
  const multipartParser = parsed;
  return new Promise<ingestion.IngestResult>((resolve, reject) => {
    const settle = settleUpload<ingestion.IngestResult>(body, resolve, reject);
    const finish = settle.finish;
    const call: ClientWritableStream<ingestion.IngestRequest> = client.ingest(
      forwardMetadata(req),
      { deadline: Date.now() + limits.deadlineMs },
      (err, result) => (err ? finish(fromServiceError(err)) : finish(null, result)),
    );
    /** Stops everything: the service discards a cancelled upload. */
    const abort = (err: L1g1Error): void => {
      if (settle.settled) return;
      call.cancel();
      finish(err);
    };
    call.write({ payload: { $case: 'header', value: header } });

    let received = 0;
    /** Relays one file's bytes as chunks, pausing `source` while the gRPC buffer is full. */
    const relay = (source: Readable): void => {
      source.on('data', (chunk: Buffer) => {
        if (settle.settled) return;
        received += chunk.length;
        if (received > limits.maxUploadBytes) return abort(tooLarge(limits.maxUploadBytes));
        if (!call.write({ payload: { $case: 'chunk', value: chunk } })) pauseUntilDrained(source, call);
      });
    };
    // The client went away before the whole body arrived: cancel, keep nothing.
    req.raw.on('aborted', () => abort(errors.cancelled('upload interrupted by the client')));
    body.on('error', () => abort(errors.cancelled('upload interrupted by the client')));

    if (multipartParser === undefined) {
      const declared = Number(req.headers['content-length'] ?? 0);
      call.write({
        payload: {
          $case: 'file',
          value: { name: options.filename ?? defaultName(contentType), format: 0, expectedSha256: '', expectedSizeBytes: Number.isSafeInteger(declared) ? declared : 0, recordMetadata: {} },
        },
      });
      relay(body);
      body.on('end', () => {
        if (!settle.settled) call.end();
      });
      return;
    }

    // busboy can announce the next part before the previous part's bytes
    // have been read from its stream (one TCP chunk may hold several small
    // files), so parts are relayed strictly one after another: a FileStart
    // goes out only once the previous file's last byte has.
    let files = 0;
    let parserClosed = false;
    let relaying = false;
    const queue: { name: string; stream: Readable }[] = [];
    const next = (): void => {
      if (settle.settled || relaying) return;
      const part = queue.shift();
      if (!part) {
        if (!parserClosed) return;
        if (files === 0) return abort(errors.invalidArgument('body', 'the multipart body holds no file part'));
        call.end();
        return;
      }
      relaying = true;
      const label = options.labelFromFolder ? folderLabel(part.name) : undefined;
      call.write({ payload: { $case: 'file', value: { name: part.name, format: 0, expectedSha256: '', expectedSizeBytes: 0, recordMetadata: label ? { label } : {} } } });
      part.stream.once('end', () => {
        relaying = false;
        next();
      });
      relay(part.stream);
    };
    const parser = multipartParser;
    parser.on('file', (_field, stream, info) => {
      if (settle.settled) return void stream.resume();
      files++;
      queue.push({ name: info.filename || `file-${files}`, stream });
      next();
    });
    parser.on('fieldsLimit', () => abort(errors.invalidArgument('body', 'multipart fields are not taken: options go in the query string, files in file parts')));
    parser.on('error', (err: unknown) => abort(errors.invalidArgument('body', `is not valid multipart/form-data: ${err instanceof Error ? err.message.slice(0, 100) : 'parse error'}`)));
    parser.on('close', () => {
      parserClosed = true;
      next();
    });
    body.pipe(parser);
  });
}
