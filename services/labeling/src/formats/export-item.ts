/**
 * What every export format writes and every import reads back: one task's
 * record and the annotations chosen for it (by the request's resolution).
 * A format turns items into pieces of text, opening a new file where the
 * format has several (YOLO); COCO needs two passes (images, then annotations).
 */
import type { labeling } from '@l1g1/contracts';

export interface ExportAnnotation {
  annotator: string;
  value: labeling.AnnotationValue;
  leadTimeMs: number;
  gold: boolean;
}

export interface ExportItem {
  taskId: string;
  recordId: string;
  /** The record's text; undefined for images and other binary records. */
  text: string | undefined;
  metadata: Record<string, string>;
  imageWidth: number;
  imageHeight: number;
  annotations: ExportAnnotation[];
}

/** Text to append; `file` starts a new file of the export first. */
export interface Piece {
  file?: string;
  text: string;
}

export interface FormatWriter {
  readonly contentType: string;
  readonly fileName: string;
  /** How many times the items are walked (COCO: 2). */
  readonly passes: number;
  begin(classes: readonly labeling.LabelClass[]): Piece[];
  /** Pieces of one item on `pass` (0-based); `first` is whether it is the pass's first item. */
  item(item: ExportItem, pass: number, first: boolean): Piece[];
  /** Between passes (after pass `pass`). */
  between(pass: number): Piece[];
  end(): Piece[];
}

/** An item read back from an export (annotator and lead time when the format holds them). */
export interface ImportedItem {
  taskId: string;
  recordId: string;
  text: string | undefined;
  /** The record's metadata, where the format holds it (JSONL). */
  metadata?: Record<string, string>;
  annotations: ExportAnnotation[];
}
