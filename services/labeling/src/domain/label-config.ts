/**
 * A project's label schema: what CreateProject and UpdateProject accept,
 * with every default written out, and the rule that classes may be added or
 * renamed but never removed or re-indexed (exported class ids stay valid).
 */
import { labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';

const { TaskType } = labeling;

/** Bounds that keep one project's schema small enough to hold in every request. */
export const MAX_CLASSES = 10_000;
export const MAX_CLASS_NAME_CHARS = 200;
export const MAX_ANNOTATIONS_PER_TASK = 100;
export const DEFAULT_RESERVATION_S = 600;
const MAX_RESERVATION_S = 86_400;
const COLOR = /^#[0-9a-fA-F]{6}$/;

/** Task types whose annotations name classes of the schema. */
export function usesClasses(type: labeling.TaskType): boolean {
  return type !== TaskType.TASK_TYPE_FREE_TEXT;
}

/** Task types whose records are images (boxes, polygons). */
export function isImageTask(type: labeling.TaskType): boolean {
  return type === TaskType.TASK_TYPE_BBOX || type === TaskType.TASK_TYPE_SEGMENTATION;
}

const SUPPORTED = new Set<number>([
  TaskType.TASK_TYPE_CLASSIFICATION,
  TaskType.TASK_TYPE_MULTI_LABEL_CLASSIFICATION,
  TaskType.TASK_TYPE_NER,
  TaskType.TASK_TYPE_BBOX,
  TaskType.TASK_TYPE_SEGMENTATION,
  TaskType.TASK_TYPE_FREE_TEXT,
]);

function checkClassName(name: string, field: string): void {
  if (name.trim() === '') throw errors.invalidArgument(field, 'a class needs a non-empty name');
  if (name.length > MAX_CLASS_NAME_CHARS) throw errors.invalidArgument(field, `a class name has at most ${MAX_CLASS_NAME_CHARS} characters`);
  // Tabs and newlines would break the CSV, CoNLL and YOLO exports.
  if (/[\t\r\n]/.test(name)) throw errors.invalidArgument(field, 'a class name cannot hold tabs or line breaks');
}

function checkColor(color: string, field: string): void {
  if (color !== '' && !COLOR.test(color)) throw errors.invalidArgument(field, 'expected #rrggbb or empty');
}

function checkAnnotationsPerTask(n: number, field: string): number {
  if (n === 0) return 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_ANNOTATIONS_PER_TASK) throw errors.invalidArgument(field, `expected 1..${MAX_ANNOTATIONS_PER_TASK} (0: the default 1)`);
  return n;
}

function checkOverlapFraction(f: number | undefined, field: string): number {
  if (f === undefined) return 1;
  if (!Number.isFinite(f) || f < 0 || f > 1) throw errors.invalidArgument(field, 'expected a fraction in 0..1');
  return f;
}

/** The config of a new project, validated, with indexes assigned in order and defaults filled in. */
export function normalizeLabelConfig(config: labeling.LabelConfig | undefined): labeling.LabelConfig {
  const field = 'label_config';
  if (!config) throw errors.invalidArgument(field, 'a project needs a label config (task type and classes)');
  if (!SUPPORTED.has(config.taskType)) throw errors.invalidArgument(`${field}.task_type`, 'expected classification, multi-label classification, ner, bbox, segmentation or free text');
  if (config.classes.length > MAX_CLASSES) throw errors.invalidArgument(`${field}.classes`, `at most ${MAX_CLASSES} classes`);
  if (usesClasses(config.taskType) && config.classes.length === 0) throw errors.invalidArgument(`${field}.classes`, 'this task type needs at least one class');
  if (!usesClasses(config.taskType) && config.classes.length > 0) throw errors.invalidArgument(`${field}.classes`, 'free-text projects have no classes');
  const seen = new Set<string>();
  const classes = config.classes.map((c, i) => {
    checkClassName(c.name, `${field}.classes[${i}].name`);
    checkColor(c.color, `${field}.classes[${i}].color`);
    if (seen.has(c.name)) throw errors.invalidArgument(`${field}.classes[${i}].name`, `class "${c.name}" appears twice`);
    seen.add(c.name);
    return { name: c.name, index: i, description: c.description, color: c.color };
  });
  const reservation = config.reservationS === 0 ? DEFAULT_RESERVATION_S : config.reservationS;
  if (!Number.isInteger(reservation) || reservation < 1 || reservation > MAX_RESERVATION_S) {
    throw errors.invalidArgument(`${field}.reservation_s`, `expected 1..${MAX_RESERVATION_S} seconds (0: the default ${DEFAULT_RESERVATION_S})`);
  }
  return {
    taskType: config.taskType,
    classes,
    annotationsPerTask: checkAnnotationsPerTask(config.annotationsPerTask, `${field}.annotations_per_task`),
    overlapFraction: checkOverlapFraction(config.overlapFraction, `${field}.overlap_fraction`),
    reservationS: reservation,
    activeLearningStrategy: checkStrategy(config.activeLearningStrategy, `${field}.active_learning_strategy`),
  };
}

function checkStrategy(s: labeling.ActiveLearningStrategy, field: string): labeling.ActiveLearningStrategy {
  if (!Object.values(labeling.ActiveLearningStrategy).includes(s) || s === labeling.ActiveLearningStrategy.UNRECOGNIZED) throw errors.invalidArgument(field, 'unknown active-learning strategy');
  return s;
}

/** The changes UpdateProject may make to a config: appended classes, renames, overlap. */
export interface LabelConfigChanges {
  addClasses: readonly labeling.LabelClass[];
  renameClasses: readonly labeling.ClassRename[];
  annotationsPerTask: number | undefined;
  overlapFraction: number | undefined;
  activeLearningStrategy: labeling.ActiveLearningStrategy | undefined;
}

/** `config` with `changes` applied; indexes of existing classes never move. */
export function applyLabelConfigChanges(config: labeling.LabelConfig, changes: LabelConfigChanges): labeling.LabelConfig {
  if (!usesClasses(config.taskType) && changes.addClasses.length > 0) throw errors.invalidArgument('add_classes', 'free-text projects have no classes');
  const classes = config.classes.map((c) => ({ ...c }));
  const names = new Set(classes.map((c) => c.name));
  changes.renameClasses.forEach((r, i) => {
    const target = classes.find((c) => c.name === r.from);
    if (!target) throw errors.invalidArgument(`rename_classes[${i}].from`, `no class "${r.from}" in this project`);
    checkClassName(r.to, `rename_classes[${i}].to`);
    if (names.has(r.to)) throw errors.invalidArgument(`rename_classes[${i}].to`, `class "${r.to}" already exists`);
    names.delete(r.from);
    names.add(r.to);
    target.name = r.to;
  });
  changes.addClasses.forEach((c, i) => {
    checkClassName(c.name, `add_classes[${i}].name`);
    checkColor(c.color, `add_classes[${i}].color`);
    if (names.has(c.name)) throw errors.invalidArgument(`add_classes[${i}].name`, `class "${c.name}" already exists`);
    names.add(c.name);
    classes.push({ name: c.name, index: classes.length, description: c.description, color: c.color });
  });
  if (classes.length > MAX_CLASSES) throw errors.invalidArgument('add_classes', `at most ${MAX_CLASSES} classes`);
  return {
    ...config,
    classes,
    annotationsPerTask:
      changes.annotationsPerTask === undefined ? config.annotationsPerTask : checkAnnotationsPerTask(changes.annotationsPerTask, 'annotations_per_task'),
    overlapFraction: changes.overlapFraction === undefined ? config.overlapFraction : checkOverlapFraction(changes.overlapFraction, 'overlap_fraction'),
    activeLearningStrategy:
      changes.activeLearningStrategy === undefined ? config.activeLearningStrategy : checkStrategy(changes.activeLearningStrategy, 'active_learning_strategy'),
  };
}
