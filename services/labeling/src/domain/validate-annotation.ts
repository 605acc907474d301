/**
 * Every annotation is checked against its project's schema and its task's
 * record before anything is stored: the value's kind must suit the task
 * type, classes must exist, spans must lie inside the text (and match the
 * covered text when given), boxes and polygons inside the image. A failure
 * names the request field, e.g. `value.ner.spans[2].end`.
 */
import { labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';

const { TaskType } = labeling;

/** Items one annotation may hold (spans, boxes, polygon points, labels). */
export const MAX_ITEMS_PER_ANNOTATION = 10_000;
/** Characters of one free-text answer. */
export const MAX_FREE_TEXT_CHARS = 100_000;

/** What validation needs of the task: its text for spans (UTF-16 offsets, as browsers and Label Studio count). */
export interface AnnotationTarget {
  readonly text: string | undefined;
}

type Value = labeling.AnnotationValue['value'];

const EXPECTED_CASE: Record<number, NonNullable<Value>['$case']> = {
  [TaskType.TASK_TYPE_CLASSIFICATION]: 'classification',
  [TaskType.TASK_TYPE_MULTI_LABEL_CLASSIFICATION]: 'classification',
  [TaskType.TASK_TYPE_NER]: 'ner',
  [TaskType.TASK_TYPE_BBOX]: 'bbox',
  [TaskType.TASK_TYPE_SEGMENTATION]: 'segmentation',
  [TaskType.TASK_TYPE_FREE_TEXT]: 'freeText',
};

const CASE_FIELD: Record<NonNullable<Value>['$case'], string> = {
  classification: 'classification',
  ner: 'ner',
  bbox: 'bbox',
  segmentation: 'segmentation',
  freeText: 'free_text',
};

function bounded(n: number, field: string): void {
  if (n > MAX_ITEMS_PER_ANNOTATION) throw errors.invalidArgument(field, `at most ${MAX_ITEMS_PER_ANNOTATION} items`);
}

function fraction(v: number, field: string): void {
  if (!Number.isFinite(v) || v < 0 || v > 1) throw errors.invalidArgument(field, 'expected a fraction of the image size in 0..1');
}

/** Small slack for coordinates computed in floating point (x + width = 1.0000000000000002). */
const EPS = 1e-9;

/**
 * Validates `value` for a project with `config` and a task with `target`;
 * answers the value to store (span texts filled in from the record).
 */
export function validateAnnotationValue(
  config: labeling.LabelConfig,
  target: AnnotationTarget,
  value: labeling.AnnotationValue | undefined,
  prefix = 'value',
): labeling.AnnotationValue {
  const v = value?.value;
  const expected = EXPECTED_CASE[config.taskType];
  if (!v || !expected) throw errors.invalidArgument(prefix, `expected a ${expected ? CASE_FIELD[expected] : 'labels'} value (or skipped = true)`);
  if (v.$case !== expected) throw errors.invalidArgument(`${prefix}.${CASE_FIELD[v.$case]}`, `this project labels ${CASE_FIELD[expected]}, not ${CASE_FIELD[v.$case]}`);
  const classes = new Set(config.classes.map((c) => c.name));
  const known = (label: string, field: string): void => {
    if (!classes.has(label)) throw errors.invalidArgument(field, `unknown class "${label.slice(0, 100)}"; the project's classes are ${[...classes].slice(0, 20).join(', ')}`);
  };
  switch (v.$case) {
    case 'classification': {
      const f = `${prefix}.classification.labels`;
      const labels = v.value.labels;
      bounded(labels.length, f);
      if (config.taskType === TaskType.TASK_TYPE_CLASSIFICATION && labels.length !== 1) throw errors.invalidArgument(f, `expected exactly one class, got ${labels.length}`);
      const seen = new Set<string>();
      labels.forEach((l, i) => {
        known(l, `${f}[${i}]`);
        if (seen.has(l)) throw errors.invalidArgument(`${f}[${i}]`, `class "${l}" is given twice`);
        seen.add(l);
      });
      return { value: { $case: 'classification', value: { labels: [...labels] } } };
    }
    case 'ner': {
      const f = `${prefix}.ner.spans`;
      const text = target.text;
      if (text === undefined) throw errors.invalidArgument(f, 'the task record is not text, so it cannot hold spans');
      bounded(v.value.spans.length, f);
      const spans = v.value.spans.map((s, i) => {
        const sf = `${f}[${i}]`;
        if (!Number.isInteger(s.start) || s.start < 0 || s.start >= text.length) throw errors.invalidArgument(`${sf}.start`, `expected 0..${text.length - 1} (the text has ${text.length} characters)`);
        if (!Number.isInteger(s.end) || s.end <= s.start || s.end > text.length) throw errors.invalidArgument(`${sf}.end`, `expected ${s.start + 1}..${text.length} (after start, within the ${text.length}-character text)`);
        known(s.label, `${sf}.label`);
        const covered = text.slice(s.start, s.end);
        if (s.text !== '' && s.text !== covered) throw errors.invalidArgument(`${sf}.text`, 'does not match the text at [start, end); the offsets have drifted');
        return { start: s.start, end: s.end, label: s.label, text: covered, i };
      });
      // Overlapping spans have no BIO encoding (CoNLL); nested entities are out of scope.
      const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
      for (let k = 1; k < sorted.length; k++) {
        const prev = sorted[k - 1];
        const cur = sorted[k];
        if (prev && cur && cur.start < prev.end) throw errors.invalidArgument(`${f}[${cur.i}].start`, `overlaps spans[${prev.i}] ([${prev.start}, ${prev.end}))`);
      }
      return { value: { $case: 'ner', value: { spans: spans.map(({ start, end, label, text: t }) => ({ start, end, label, text: t })) } } };
    }
    case 'bbox': {
      const f = `${prefix}.bbox.boxes`;
      bounded(v.value.boxes.length, f);
      v.value.boxes.forEach((b, i) => {
        const bf = `${f}[${i}]`;
        known(b.label, `${bf}.label`);
        fraction(b.x, `${bf}.x`);
        fraction(b.y, `${bf}.y`);
        if (!Number.isFinite(b.width) || b.width <= 0 || b.x + b.width > 1 + EPS) throw errors.invalidArgument(`${bf}.width`, 'expected > 0 with x + width within the image (<= 1)');
        if (!Number.isFinite(b.height) || b.height <= 0 || b.y + b.height > 1 + EPS) throw errors.invalidArgument(`${bf}.height`, 'expected > 0 with y + height within the image (<= 1)');
      });
      return { value: { $case: 'bbox', value: { boxes: v.value.boxes.map((b) => ({ ...b })) } } };
    }
    case 'segmentation': {
      const f = `${prefix}.segmentation.polygons`;
      bounded(v.value.polygons.length, f);
      v.value.polygons.forEach((p, i) => {
        known(p.label, `${f}[${i}].label`);
        if (p.points.length < 3) throw errors.invalidArgument(`${f}[${i}].points`, 'a polygon needs at least 3 points');
        bounded(p.points.length, `${f}[${i}].points`);
        p.points.forEach((pt, j) => {
          fraction(pt.x, `${f}[${i}].points[${j}].x`);
          fraction(pt.y, `${f}[${i}].points[${j}].y`);
        });
      });
      return { value: { $case: 'segmentation', value: { polygons: v.value.polygons.map((p) => ({ label: p.label, points: p.points.map((pt) => ({ ...pt })) })) } } };
    }
    case 'freeText': {
      const f = `${prefix}.free_text.text`;
      if (v.value.text.trim() === '') throw errors.invalidArgument(f, 'an answer cannot be empty (skip the task instead)');
      if (v.value.text.length > MAX_FREE_TEXT_CHARS) throw errors.invalidArgument(f, `at most ${MAX_FREE_TEXT_CHARS} characters`);
      return { value: { $case: 'freeText', value: { text: v.value.text } } };
    }
  }
}
