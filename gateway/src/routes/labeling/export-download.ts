/**
 * GET a project's export, streamed from the labeling service's
 * ExportAnnotations into the response: the header message gives the content
 * type and file name, then chunks are written as they come, each write
 * waiting for the client to drain, so a project of any size downloads in
 * bounded gateway memory. A multi-file export (YOLO: classes.txt,
 * labels/<task>.txt) is packed into one ustar archive as it comes, one
 * member held at a time (a tar header states the size before the body).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { labeling } from '@l1g1/contracts';
import { errors, fromServiceError, pauseUntilDrained } from '@l1g1/kit';
import type { Upstream } from '../../upstreams';
import { createTarPacker, type TarPacker } from '../../archive/tar-packer';
import { forwardMetadata, guarded } from '../common';

/** Packs a multi-file export into a tar archive instead of relaying the bytes. */
export interface ExportArchive {
  /** The download's file name (`<project>-yolo.tar`). */
  fileName: string;
  /** Largest member held while it is packed; past it the download is cut. */
  maxFileBytes: number;
  mtimeSec: number;
}

export async function sendExport(
  client: labeling.LabelingServiceClient,
  guard: Upstream,
  req: FastifyRequest,
  reply: FastifyReply,
  request: labeling.ExportAnnotationsRequest,
  options: { deadlineMs: number; archive?: ExportArchive },
): Promise<void> {
  const stream = client.exportAnnotations(request, forwardMetadata(req), { deadline: Date.now() + options.deadlineMs });
  // Cancelling ends the stream with an error; after the header nobody else listens for it.
  stream.on('error', () => undefined);
  // Wait for the header so that NOT_FOUND or a format the project cannot hold is a proper 4xx.
  const header = await guarded(guard, () =>
    new Promise<labeling.ExportHeader>((resolve, reject) => {
      stream.once('data', (m: labeling.ExportAnnotationsResponse) => {
        if (m.payload?.$case === 'header') resolve(m.payload.value);
        else reject(errors.internal('labeling sent an export without its header'));
      });
      stream.once('error', (err) => reject(fromServiceError(err as never)));
      stream.once('end', () => reject(errors.internal('labeling ended the export without a header')));
    }),
  );
  stream.pause();
  reply.raw.on('close', () => stream.cancel());
  reply.hijack();
  const archive = options.archive;
  const tar: TarPacker | undefined = archive ? createTarPacker({ maxFileBytes: archive.maxFileBytes, mtimeSec: archive.mtimeSec }) : undefined;
  // The file name is the service's (project id + extension); quotes are kept out of the header anyway.
  const fileName = (archive?.fileName ?? header.fileName).replace(/["\\\r\n]/g, '_');
  reply.raw.writeHead(200, {
    'content-type': tar ? 'application/x-tar' : header.contentType,
    'content-disposition': `attachment; filename="${fileName}"`,
    'cache-control': 'no-store',
    'x-l1g1-task-count': String(header.taskCount),
  });
  const send = (bytes: readonly Uint8Array[]): void => {
    let drained = true;
    for (const b of bytes) drained = reply.raw.write(b);
    if (!drained) pauseUntilDrained(stream, reply.raw);
  };
  stream.on('data', (m: labeling.ExportAnnotationsResponse) => {
    const p = m.payload;
    try {
      if (p?.$case === 'file' && tar) send(tar.file(p.value.path));
      else if (p?.$case === 'chunk') {
        if (tar) tar.data(p.value);
        else send([p.value]);
      }
    } catch {
      // A member past the bound (or a path no ustar header holds): cut the download rather than send a wrong archive.
      stream.cancel();
      reply.raw.destroy();
    }
  });
  stream.on('end', () => {
    if (reply.raw.writableEnded || reply.raw.destroyed) return;
    if (tar) send(tar.end());
    reply.raw.end();
  });
  stream.on('error', () => {
    // Headers are gone: a failure now can only cut the body (the client sees a short download).
    if (!reply.raw.writableEnded) reply.raw.destroy();
  });
  stream.resume();
}
