/**
 * The units agreement is measured on, per task type: the class of a record
 * (single-label), yes/no per class and record (multi-label), the BIO tag of
 * each token (NER, tokens split at every annotator's span edges), the
 * trimmed answer (free text), the class of each object (boxes, clustered
 * across annotators at an IoU threshold regardless of class; "none" for an
 * annotator without a box there). Each unit maps annotator → value.
 */
import { labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { clusterBoxes, DEFAULT_IOU_THRESHOLD } from './box-clusters';
import type { AnnotationRow } from './ports';
import { bioTags, tokenize } from './tokenize';

const { TaskType } = labeling;

export type Unit = Map<string, string>;

export interface TaskAnnotations {
  text: string | undefined;
  annotations: readonly AnnotationRow[];
}

/** The units of one task, from its non-skipped, non-gold annotations by `annotators` (empty: everyone). */
/** The value of an annotator who drew no box where others did. */
export const NO_BOX = 'none';

export function unitsOfTask(config: labeling.LabelConfig, task: TaskAnnotations, annotators: ReadonlySet<string>, iouThreshold = DEFAULT_IOU_THRESHOLD): Unit[] {
  const rows = task.annotations.filter((a) => !a.skipped && !a.gold && a.value?.value && (annotators.size === 0 || annotators.has(a.annotator)));
  switch (config.taskType) {
    case TaskType.TASK_TYPE_CLASSIFICATION:
    case TaskType.TASK_TYPE_FREE_TEXT: {
      const unit: Unit = new Map();
      for (const a of rows) {
        const v = a.value?.value;
        if (v?.$case === 'classification') unit.set(a.annotator, v.value.labels[0] ?? '');
        else if (v?.$case === 'freeText') unit.set(a.annotator, v.value.text.trim());
      }
      return [unit];
    }
    case TaskType.TASK_TYPE_MULTI_LABEL_CLASSIFICATION:
      return config.classes.map((c) => {
        const unit: Unit = new Map();
        for (const a of rows) {
          const v = a.value?.value;
          if (v?.$case === 'classification') unit.set(a.annotator, v.value.labels.includes(c.name) ? 'yes' : 'no');
        }
        return unit;
      });
    case TaskType.TASK_TYPE_NER: {
      const perAnnotator = rows.map((a) => ({ who: a.annotator, spans: a.value?.value?.$case === 'ner' ? a.value.value.value.spans : [] }));
      const cuts = perAnnotator.flatMap((p) => p.spans.flatMap((s) => [s.start, s.end]));
      const tokens = tokenize(task.text ?? '', cuts);
      const tags = perAnnotator.map((p) => ({ who: p.who, tags: bioTags(tokens, p.spans) }));
      return tokens.map((_t, i) => new Map(tags.map((t) => [t.who, t.tags[i] ?? 'O'])));
    }
    case TaskType.TASK_TYPE_BBOX: {
      const byAnnotator = new Map(rows.map((a) => [a.annotator, a.value?.value?.$case === 'bbox' ? a.value.value.value.boxes : []]));
      // Annotators who drew nothing on an image agree on it but give no unit: kappa needs objects.
      return clusterBoxes(byAnnotator, { iouThreshold, sameLabel: false }).map((c) => new Map([...byAnnotator.keys()].map((who) => [who, c.members.get(who)?.label ?? NO_BOX])));
    }
    default:
      throw errors.failedPrecondition('agreement for polygons is not available in this build yet', { reason: 'AGREEMENT_UNSUPPORTED' });
  }
}
