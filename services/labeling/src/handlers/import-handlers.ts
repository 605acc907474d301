/**
 * ImportAnnotations, client-streamed: a header (project, format), then the
 * export's bytes (a `file` before each file of YOLO). The upload is bounded
 * (L1G1_LABELING_MAX_IMPORT_BYTES) and read whole, parsed by the format's
 * reader, validated item by item, then written in one store transaction:
 * the first bad item is named and nothing is written.
 */
import type { labeling } from '@l1g1/contracts';
import { errors, type AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { planImport, readUpload } from '../domain/annotation-import';
import { loadProject } from './load-project';

type Handlers = Pick<AsyncService<labeling.LabelingServiceService>, 'importAnnotations'>;

/** Files one upload may hold (YOLO: one per image, plus classes.txt). */
const MAX_FILES = 100_000;

export function createImportHandlers(deps: Pick<LabelingDeps, 'store' | 'config' | 'now'>): Handlers {
  return {
    async importAnnotations(call) {
      let header: labeling.ImportAnnotationsHeader | undefined;
      const files = new Map<string, Buffer[]>();
      let current = '';
      let bytes = 0;
      for await (const m of call as AsyncIterable<labeling.ImportAnnotationsRequest>) {
        const p = m.payload;
        if (!p) continue;
        if (p.$case === 'header') {
          if (header) throw errors.invalidArgument('header', 'must be sent once, first');
          header = p.value;
          continue;
        }
        if (!header) throw errors.invalidArgument('header', 'must come first');
        if (p.$case === 'file') {
          if (p.value.path === '' || p.value.path.length > 500) throw errors.invalidArgument('file.path', 'must be 1-500 characters');
          if (files.size >= MAX_FILES) throw errors.invalidArgument('file', `at most ${MAX_FILES} files per upload`);
          current = p.value.path;
          if (!files.has(current)) files.set(current, []);
          continue;
        }
        bytes += p.value.length;
        if (bytes > deps.config.maxImportBytes) throw errors.invalidArgument('chunk', `the upload is larger than ${deps.config.maxImportBytes} bytes (L1G1_LABELING_MAX_IMPORT_BYTES)`);
        const parts = files.get(current) ?? [];
        parts.push(Buffer.from(p.value));
        files.set(current, parts);
      }
      if (!header) throw errors.invalidArgument('header', 'is required');
      const project = await loadProject(deps.store, header.projectId, 'header.project_id');
      const texts = new Map([...files].map(([path, parts]) => [path, Buffer.concat(parts).toString('utf8')]));
      const items = readUpload(header.format, texts, project.config.taskType);
      const nowMs = deps.now();
      const plan = planImport(project, items, { maxRecords: deps.config.maxImportRecords, maxItems: deps.config.maxImportRecords, maxRecordBytes: deps.config.maxRecordBytes }, nowMs);
      const written = await deps.store.importAnnotations(project.id, plan.tasks, plan.annotations, nowMs);
      return { items: items.length, tasksCreated: written.tasksCreated, annotationsImported: written.imported, annotationsUnchanged: written.unchanged };
    },
  };
}
