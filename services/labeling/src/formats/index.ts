/** The export formats by contract enum, and which task types each suits. */
import { labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { cocoWriter } from './coco-format';
import { conllWriter } from './conll-format';
import { csvWriter } from './csv-format';
import type { FormatWriter } from './export-item';
import { jsonlWriter } from './jsonl-format';
import { labelStudioWriter } from './label-studio-format';
import { yoloWriter } from './yolo-format';

export * from './export-item';
export { readCoco } from './coco-format';
export { readConll } from './conll-format';
export { readCsv } from './csv-format';
export { readJsonl } from './jsonl-format';
export { readLabelStudio } from './label-studio-format';
export { readYolo } from './yolo-format';

const { ExportFormat: F, TaskType: T } = labeling;

/** A writer for `format`, refused (naming `format`) when it cannot hold `taskType`'s labels. */
export function writerFor(format: labeling.ExportFormat, taskType: labeling.TaskType): FormatWriter {
  const image = taskType === T.TASK_TYPE_BBOX || taskType === T.TASK_TYPE_SEGMENTATION;
  switch (format) {
    case F.EXPORT_FORMAT_JSONL:
      return jsonlWriter();
    case F.EXPORT_FORMAT_LABEL_STUDIO_JSON:
      return labelStudioWriter();
    case F.EXPORT_FORMAT_CSV:
      return csvWriter();
    case F.EXPORT_FORMAT_CONLL2003:
      if (taskType !== T.TASK_TYPE_NER) throw errors.invalidArgument('format', 'CoNLL-2003 holds entity spans: export NER projects with it');
      return conllWriter();
    case F.EXPORT_FORMAT_COCO:
      if (!image) throw errors.invalidArgument('format', 'COCO holds boxes and polygons: export image projects with it');
      return cocoWriter();
    case F.EXPORT_FORMAT_YOLO:
      if (taskType !== T.TASK_TYPE_BBOX) throw errors.invalidArgument('format', 'YOLO holds boxes: export bbox projects with it');
      return yoloWriter();
    default:
      throw errors.invalidArgument('format', 'expected jsonl, csv, label_studio_json, conll2003, coco or yolo');
  }
}

/** Whether `format` can hold several annotations per task (RESOLUTION_ALL). */
export function holdsSeveral(format: labeling.ExportFormat): boolean {
  return format === F.EXPORT_FORMAT_JSONL || format === F.EXPORT_FORMAT_LABEL_STUDIO_JSON;
}
