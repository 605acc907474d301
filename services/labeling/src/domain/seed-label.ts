/**
 * ImportTasks' `label_field`: a record's metadata value read back into an
 * annotation value, in the very text form ExportToSnapshot writes
 * (snapshot-label.ts) — a class name, a JSON array of class names
 * (multi-label), a JSON array of `[start, end, label]` spans (NER), the answer
 * (free text), the value's contract JSON (boxes, polygons) — so a project's
 * exported snapshot imports back with its labels as pre-annotations. The
 * value is validated against the project's schema; a bad one is refused
 * naming `label_field` and the record.
 */
import { labeling, type common } from '@l1g1/contracts';
import { errors, L1g1Error } from '@l1g1/kit';
import { recordText } from './record-content';
import { validateAnnotationValue } from './validate-annotation';

const { TaskType: T } = labeling;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('is not JSON');
  }
}

function stringArray(x: unknown): string[] {
  if (!Array.isArray(x) || !x.every((s) => typeof s === 'string')) throw new Error('expected a JSON array of class names');
  return x as string[];
}

/** The metadata text as an annotation value of `taskType` (not yet checked against the schema). */
function parseLabel(text: string, taskType: labeling.TaskType): labeling.AnnotationValue {
  switch (taskType) {
    case T.TASK_TYPE_CLASSIFICATION:
      return { value: { $case: 'classification', value: { labels: [text] } } };
    case T.TASK_TYPE_MULTI_LABEL_CLASSIFICATION:
      return { value: { $case: 'classification', value: { labels: stringArray(parseJson(text)) } } };
    case T.TASK_TYPE_NER: {
      const spans = parseJson(text);
      if (!Array.isArray(spans)) throw new Error('expected a JSON array of [start, end, label] spans');
      return {
        value: {
          $case: 'ner',
          value: {
            spans: spans.map((s: unknown) => {
              if (!Array.isArray(s) || s.length !== 3 || typeof s[0] !== 'number' || typeof s[1] !== 'number' || typeof s[2] !== 'string') throw new Error('expected a JSON array of [start, end, label] spans');
              return { start: s[0], end: s[1], label: s[2], text: '' };
            }),
          },
        },
      };
    }
    case T.TASK_TYPE_FREE_TEXT:
      return { value: { $case: 'freeText', value: { text } } };
    default: {
      const json = parseJson(text);
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('expected the value as a JSON object ({"bbox": …} or {"segmentation": …})');
      return labeling.AnnotationValue.fromJSON(json);
    }
  }
}

/**
 * The pre-annotation `record` carries in `metadata[labelField]` for `config`,
 * or undefined when the record has no such field. `field` names the record
 * in refusals (`records[3]`, `snapshot`).
 */
export function seedValueOf(config: labeling.LabelConfig, record: common.Record, labelField: string, field: string): labeling.AnnotationValue | undefined {
  const text = record.metadata[labelField];
  if (text === undefined || text === '') return undefined;
  const where = `record ${JSON.stringify(record.id.slice(0, 100))} (${field})`;
  let value: labeling.AnnotationValue;
  try {
    value = parseLabel(text, config.taskType);
  } catch (err) {
    throw errors.invalidArgument('label_field', `metadata "${labelField}" of ${where} ${err instanceof Error ? err.message : 'is not a label'}`);
  }
  try {
    return validateAnnotationValue(config, { text: recordText(record) }, value, 'value');
  } catch (err) {
    if (!(err instanceof L1g1Error)) throw err;
    throw errors.invalidArgument('label_field', `metadata "${labelField}" of ${where} is not a valid label: ${err.message}`);
  }
}
