/**
 * ExportAnnotations, streamed: a header, then the format's text in chunks
 * of at most `chunk_size` bytes (a `file` message before each file of
 * multi-file formats). Tasks are read a page at a time and every write
 * waits for the client to drain, so memory stays bounded for any project.
 */
import { labeling } from '@l1g1/contracts';
import { errors, writeWithBackpressure, type AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { resolveAnnotations } from '../domain/export-resolution';
import { recordText } from '../domain/record-content';
import { taskPages } from '../domain/task-pages';
import { holdsSeveral, writerFor, type Piece } from '../formats';
import { loadProject } from './load-project';

type Service = AsyncService<labeling.LabelingServiceService>;

const DEFAULT_CHUNK = 256 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;

export function createExportHandlers(deps: Pick<LabelingDeps, 'store' | 'now'>): Pick<Service, 'exportAnnotations'> {
  const { store } = deps;
  return {
    async exportAnnotations(req, call) {
      const project = await loadProject(store, req.projectId);
      const writer = writerFor(req.format, project.config.taskType);
      if (!Object.values(labeling.Resolution).includes(req.resolution)) throw errors.invalidArgument('resolution', 'unknown resolution');
      if (req.resolution === labeling.Resolution.RESOLUTION_ALL && !holdsSeveral(req.format)) {
        throw errors.invalidArgument('resolution', 'only JSONL and Label Studio JSON hold several annotations per task');
      }
      if (req.chunkSize < 0 || req.chunkSize > MAX_CHUNK) throw errors.invalidArgument('chunk_size', `expected 1..${MAX_CHUNK} bytes (0: ${DEFAULT_CHUNK})`);
      const chunkSize = req.chunkSize === 0 ? DEFAULT_CHUNK : req.chunkSize;
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const completedOnly = !req.includeIncomplete;
      const counts = await store.counts(project.id, deps.now());
      const send = (m: labeling.ExportAnnotationsResponse): Promise<void> => writeWithBackpressure(call, m, abort.signal);
      await send({
        payload: {
          $case: 'header',
          value: { format: req.format, contentType: writer.contentType, fileName: writer.fileName, taskCount: completedOnly ? counts.completedTaskCount : counts.taskCount },
        },
      });
      let buffer: Buffer[] = [];
      let buffered = 0;
      const flush = async (): Promise<void> => {
        let all = Buffer.concat(buffer);
        buffer = [];
        buffered = 0;
        while (all.length > 0) {
          await send({ payload: { $case: 'chunk', value: all.subarray(0, chunkSize) } });
          all = all.subarray(chunkSize);
        }
      };
      const emit = async (pieces: readonly Piece[]): Promise<void> => {
        for (const p of pieces) {
          if (p.file !== undefined) {
            await flush();
            await send({ payload: { $case: 'file', value: { path: p.file } } });
          }
          const b = Buffer.from(p.text, 'utf8');
          buffer.push(b);
          buffered += b.length;
          if (buffered >= chunkSize) await flush();
        }
      };
      await emit(writer.begin(project.config.classes));
      for (let pass = 0; pass < writer.passes; pass++) {
        if (pass > 0) await emit(writer.between(pass - 1));
        let first = true;
        for await (const page of taskPages(store, project.id, { nowMs: deps.now(), completedOnly })) {
          if (abort.signal.aborted) return;
          for (const { task, annotations } of page) {
            const chosen = resolveAnnotations(annotations, req.resolution);
            await emit(
              writer.item(
                {
                  taskId: task.id,
                  recordId: task.record.id,
                  text: recordText(task.record),
                  metadata: task.record.metadata,
                  imageWidth: task.imageWidth,
                  imageHeight: task.imageHeight,
                  annotations: chosen,
                },
                pass,
                first,
              ),
            );
            first = false;
          }
        }
      }
      await emit(writer.end());
      await flush();
    },
  };
}
