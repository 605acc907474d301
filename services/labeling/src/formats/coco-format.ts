/**
 * COCO: one JSON object with `categories` (id = class index + 1), `images`
 * (file_name = record id; width/height in pixels, 1 × 1 when unknown, so
 * coordinates stay fractions) and `annotations` (pixel `bbox` [x, y, w, h],
 * polygons as `segmentation`). Streamed in two passes over the tasks:
 * images first, then annotations, so memory stays one page.
 */
import type { labeling } from '@l1g1/contracts';
import type { ExportItem, FormatWriter, ImportedItem } from './export-item';

interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  task_id: string;
}
interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: number[];
  area: number;
  iscrowd: 0;
  segmentation: number[][];
}

export function cocoWriter(): FormatWriter {
  let imageId = 0;
  let annotationId = 0;
  let categories = new Map<string, number>();
  return {
    contentType: 'application/json',
    fileName: 'annotations.coco.json',
    passes: 2,
    begin(classes) {
      categories = new Map(classes.map((c) => [c.name, c.index + 1]));
      imageId = 0;
      annotationId = 0;
      return [{ text: `{"categories":${JSON.stringify(classes.map((c) => ({ id: c.index + 1, name: c.name, supercategory: '' })))},\n"images":[` }];
    },
    item(item: ExportItem, pass: number, first: boolean) {
      imageId = first ? 1 : imageId + 1;
      const W = item.imageWidth || 1;
      const H = item.imageHeight || 1;
      if (pass === 0) {
        const img: CocoImage = { id: imageId, file_name: item.recordId, width: W, height: H, task_id: item.taskId };
        return [{ text: `${first ? '' : ','}\n${JSON.stringify(img)}` }];
      }
      const v = item.annotations[0]?.value.value;
      const out: CocoAnnotation[] = [];
      if (v?.$case === 'bbox') {
        for (const b of v.value.boxes) {
          out.push({ id: ++annotationId, image_id: imageId, category_id: categories.get(b.label) ?? 0, bbox: [b.x * W, b.y * H, b.width * W, b.height * H], area: b.width * W * b.height * H, iscrowd: 0, segmentation: [] });
        }
      } else if (v?.$case === 'segmentation') {
        for (const p of v.value.polygons) {
          const xs = p.points.map((q) => q.x * W);
          const ys = p.points.map((q) => q.y * H);
          const [x0, y0] = [Math.min(...xs), Math.min(...ys)];
          out.push({
            id: ++annotationId,
            image_id: imageId,
            category_id: categories.get(p.label) ?? 0,
            bbox: [x0, y0, Math.max(...xs) - x0, Math.max(...ys) - y0],
            area: 0,
            iscrowd: 0,
            segmentation: [p.points.flatMap((q) => [q.x * W, q.y * H])],
          });
        }
      }
      // The separator state spans items: a leading comma unless this is the first annotation written.
      return out.map((a) => ({ text: `${a.id === 1 ? '' : ','}\n${JSON.stringify(a)}` }));
    },
    between: () => [{ text: '\n],\n"annotations":[' }],
    end: () => [{ text: '\n]}\n' }],
  };
}

export function readCoco(text: string, kind: 'bbox' | 'segmentation'): ImportedItem[] {
  const doc = JSON.parse(text) as { categories: { id: number; name: string }[]; images: CocoImage[]; annotations: CocoAnnotation[] };
  const names = new Map(doc.categories.map((c) => [c.id, c.name]));
  const byImage = new Map<number, CocoAnnotation[]>();
  for (const a of doc.annotations) byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a]);
  return doc.images.map((img) => {
    const anns = byImage.get(img.id) ?? [];
    const W = img.width;
    const H = img.height;
    const value: labeling.AnnotationValue =
      kind === 'bbox'
        ? {
            value: {
              $case: 'bbox',
              value: { boxes: anns.map((a) => ({ label: names.get(a.category_id) ?? '', x: (a.bbox[0] ?? 0) / W, y: (a.bbox[1] ?? 0) / H, width: (a.bbox[2] ?? 0) / W, height: (a.bbox[3] ?? 0) / H })) },
            },
          }
        : {
            value: {
              $case: 'segmentation',
              value: {
                polygons: anns.map((a) => {
                  const flat = a.segmentation[0] ?? [];
                  const points = [];
                  for (let i = 0; i + 1 < flat.length; i += 2) points.push({ x: (flat[i] as number) / W, y: (flat[i + 1] as number) / H });
                  return { label: names.get(a.category_id) ?? '', points };
                }),
              },
            },
          };
    return { taskId: img.task_id, recordId: img.file_name, text: undefined, annotations: [{ annotator: '', value, leadTimeMs: 0, gold: false }] };
  });
}
