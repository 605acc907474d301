/**
 * YOLO: `classes.txt` (one class name per line, line number = class id),
 * then `labels/<task id>.txt` per image with `class cx cy w h` per box,
 * normalized to 0..1 as YOLO expects.
 */
import type { labeling } from '@l1g1/contracts';
import type { ExportItem, FormatWriter, ImportedItem } from './export-item';

export function yoloWriter(): FormatWriter {
  let index = new Map<string, number>();
  return {
    contentType: 'text/plain',
    fileName: 'annotations.zip',
    passes: 1,
    begin(classes) {
      index = new Map(classes.map((c) => [c.name, c.index]));
      const names = [...classes].sort((a, b) => a.index - b.index).map((c) => c.name);
      return [{ file: 'classes.txt', text: `${names.join('\n')}\n` }];
    },
    item(item: ExportItem) {
      const v = item.annotations[0]?.value.value;
      const boxes = v?.$case === 'bbox' ? v.value.boxes : [];
      const lines = boxes.map((b) => `${index.get(b.label) ?? 0} ${b.x + b.width / 2} ${b.y + b.height / 2} ${b.width} ${b.height}`);
      return [{ file: `labels/${item.taskId}.txt`, text: lines.map((l) => `${l}\n`).join('') }];
    },
    between: () => [],
    end: () => [],
  };
}

/** `files`: path → content, as a client unpacks the export. */
export function readYolo(files: ReadonlyMap<string, string>): ImportedItem[] {
  const names = (files.get('classes.txt') ?? '').split('\n').filter((l) => l !== '');
  const out: ImportedItem[] = [];
  for (const [path, content] of files) {
    const m = /^labels\/(.+)\.txt$/.exec(path);
    if (!m) continue;
    const boxes: labeling.BoundingBox[] = content
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const [c, cx, cy, w, h] = l.trim().split(/\s+/).map(Number);
        const width = w ?? 0;
        const height = h ?? 0;
        return { label: names[c ?? 0] ?? '', x: (cx ?? 0) - width / 2, y: (cy ?? 0) - height / 2, width, height };
      });
    out.push({ taskId: m[1] ?? '', recordId: '', text: undefined, annotations: [{ annotator: '', value: { value: { $case: 'bbox', value: { boxes } } }, leadTimeMs: 0, gold: false }] });
  }
  return out;
}
