/**
 * `POST /v1/labeling/projects/{project_id}:import-annotations?format=…`: an
 * export file as the raw body, relayed in chunks into the client-streamed
 * ImportAnnotations (which validates every item and writes in one
 * transaction: a refused file leaves the project as it was). The service's
 * field names of the stream (`header.format`, `chunk`) are renamed to what
 * the REST caller sent (`format`, `body`); item fields (`items[3].…`) name
 * the place in the file and pass unchanged. YOLO, a folder of files, comes
 * as a ustar archive read as it arrives: each member becomes a `file`
 * message and its bytes `chunk` messages, as the gRPC import expects.
 */
import type { FastifyRequest } from 'fastify';
import { Transform, type Readable } from 'node:stream';
import { labeling } from '@l1g1/contracts';
import { errors, L1g1Error } from '@l1g1/kit';
import { TarError } from '../../archive/tar-header';
import { createTarReader, type TarReadEvent } from '../../archive/tar-reader';
import type { Upstream } from '../../upstreams';
import { relayBody } from '../body-relay';
import { guarded, onlyFields } from '../common';
import { parseEnum } from '../ingestion/enum-names';
import type { Query } from './request-parsers';

const L = labeling;

/** Body types an import takes as a stream; a JSON export (Label Studio, COCO) goes as application/octet-stream. */
export const IMPORT_CONTENT_TYPES = ['application/octet-stream', 'application/x-ndjson', 'text/csv', 'text/plain', 'application/x-tar'] as const;

/** The refusal of a body sent as another type (JSON is parsed by the gateway, so it is not relayed as bytes). */
export function importNotAStream(): L1g1Error {
  return errors.invalidArgument('content-type', `send the export file as the raw body (${IMPORT_CONTENT_TYPES.join(', ')}); JSON exports go as application/octet-stream`, {
    reason: 'UNSUPPORTED_MEDIA_TYPE',
  });
}

/** The stream's field names as the REST caller knows them. */
const REST_FIELDS: Readonly<Record<string, string>> = { 'header.format': 'format', 'header.project_id': 'project_id', chunk: 'body' };

/** The import's header from the query: `format` is required (yolo: a tar archive of its files). */
export function importAnnotationsHeader(projectId: string, q: Query): labeling.ImportAnnotationsHeader {
  onlyFields(q, ['format']);
  if (q['format'] === undefined || q['format'] === '') throw errors.invalidArgument('format', 'is required (jsonl, csv, label_studio_json, conll2003, coco, yolo)');
  const format = parseEnum(L.ExportFormat, 'EXPORT_FORMAT_', q['format'], 'format');
  return { projectId, format };
}

function restError(err: unknown): unknown {
  if (!(err instanceof L1g1Error)) return err;
  const field = REST_FIELDS[err.field];
  if (field === undefined) return err;
  const message = err.message.startsWith(`${err.field}: `) ? `${field}: ${err.message.slice(err.field.length + 2)}` : err.message;
  return new L1g1Error(err.kind, message, { reason: err.reason, field, metadata: err.metadata, retryAfterMs: err.retryAfterMs });
}

export interface ImportLimits {
  /** The gateway's raw upload bound (L1G1_MAX_UPLOAD_BYTES). */
  maxBytes: number;
  deadlineMs: number;
  /** Largest member of a YOLO archive. */
  maxMemberBytes: number;
}

/** A malformed archive as the client's 400 on `body`; anything else stays what it is. */
function archiveRefusal(err: unknown): unknown {
  return err instanceof TarError ? errors.invalidArgument('body', `not a usable tar archive: ${err.message}`, { reason: 'MALFORMED_ARCHIVE' }) : err;
}

/** The body's tar members as ImportAnnotations messages: a `file` per member, then its bytes as `chunk`s. */
function tarFrames(maxMemberBytes: number): (body: Readable) => Readable {
  return (body) => {
    const reader = createTarReader({ maxMemberBytes });
    const frames = new Transform({
      objectMode: true,
      transform(e: TarReadEvent, _encoding, callback) {
        const m: labeling.ImportAnnotationsRequest = e.kind === 'member' ? { payload: { $case: 'file', value: { path: e.path } } } : { payload: { $case: 'chunk', value: e.bytes } };
        callback(null, m);
      },
    });
    reader.on('error', (err) => frames.destroy(archiveRefusal(err) as Error));
    body.pipe(reader).pipe(frames);
    return frames;
  };
}

/** Relays the body into ImportAnnotations through the labeling breaker; answers the import summary. */
export async function importAnnotations(
  client: labeling.LabelingServiceClient,
  guard: Upstream,
  req: FastifyRequest,
  header: labeling.ImportAnnotationsHeader,
  limits: ImportLimits,
): Promise<labeling.ImportAnnotationsResponse> {
  try {
    return await guarded(guard, () =>
      relayBody<labeling.ImportAnnotationsRequest, labeling.ImportAnnotationsResponse>(req, client.importAnnotations.bind(client), {
        maxBytes: limits.maxBytes,
        what: 'the import',
        deadlineMs: limits.deadlineMs,
        head: [{ payload: { $case: 'header', value: header } }],
        chunk: (bytes) => ({ payload: { $case: 'chunk', value: bytes } }),
        ...(header.format === L.ExportFormat.EXPORT_FORMAT_YOLO ? { frames: tarFrames(limits.maxMemberBytes) } : {}),
        notAStream: importNotAStream(),
      }),
    );
  } catch (err) {
    throw restError(err);
  }
}

/** The import summary in the `/v1` dialect. */
export function importAnnotationsJson(r: labeling.ImportAnnotationsResponse) {
  return { items: r.items, tasks_created: r.tasksCreated, annotations_imported: r.annotationsImported, annotations_unchanged: r.annotationsUnchanged };
}
