/**
 * Records of a snapshot gathered for one job: the labelled records of a
 * split (label from a metadata key), the class order fixed (given, or the
 * sorted distinct labels), a validation hold-out when the snapshot has no
 * validation split. The records stay records: the job's worker thread
 * featurizes them with the model's own `featurize`, off the event loop.
 * Everything held is counted against the job's memory bound.
 */
import { createHash } from 'node:crypto';
import { errors } from '@l1g1/kit';
import { entityTypesOf, withFieldPrefix, type LabelKind } from '../../models';

export interface LabelledRecord {
  id: string;
  data: Uint8Array;
  metadata: Record<string, string>;
}

/** Labelled records, with their labels read out (the same order). */
export interface CollectedRecords {
  records: LabelledRecord[];
  labels: string[];
}

export interface CollectOptions {
  labelField: string;
  /**
   * `class` (default): a record without the label is skipped (or fails the job). `spans`: a
   * record without spans has no entities; `none`: the label is not read. Both keep every record,
   * with an empty label (one stratum for the hold-out).
   */
  labels?: LabelKind;
  failOnMissingLabel: boolean;
  /** Bytes of training data one job may hold (L1G1_TRAINER_MAX_DATASET_BYTES). */
  maxBytes: number;
}

export function emptyRecords(): CollectedRecords {
  return { records: [], labels: [] };
}

/** What a record costs held: its payload, id and metadata strings (UTF-16), plus a fixed overhead. */
function heldBytes(r: LabelledRecord): number {
  let bytes = r.data.byteLength + 2 * r.id.length + 64;
  for (const [k, v] of Object.entries(r.metadata)) bytes += 2 * (k.length + v.length) + 16;
  return bytes;
}

/** Collects labelled records from `records`, refusing more than `maxBytes` in memory. */
export async function collectRecords(records: AsyncIterable<LabelledRecord>, o: CollectOptions, into: CollectedRecords = emptyRecords(), budget = { bytes: 0 }): Promise<CollectedRecords> {
  const classes = (o.labels ?? 'class') === 'class';
  for await (const r of records) {
    const label = classes ? r.metadata[o.labelField] : '';
    if (classes && (label === undefined || label === '')) {
      if (o.failOnMissingLabel) throw errors.invalidArgument('spec.data.fail_on_missing_label', `record ${r.id} has no metadata "${o.labelField}"`, { reason: 'MISSING_LABEL' });
      continue;
    }
    budget.bytes += heldBytes(r);
    if (budget.bytes > o.maxBytes) {
      throw errors.failedPrecondition(`the training data exceeds the trainer's memory bound of ${o.maxBytes} bytes (L1G1_TRAINER_MAX_DATASET_BYTES); train on a smaller snapshot or raise the bound`, {
        reason: 'DATASET_TOO_LARGE',
      });
    }
    into.records.push(r);
    into.labels.push(label ?? '');
  }
  return into;
}

/**
 * The class order: the spec's, else what the architecture's labels give — the sorted distinct
 * labels of the training records (`class`), their sorted entity types (`spans`; never the
 * distinct JSON strings), or none (`none`: a language model's classes are its vocabulary).
 */
export function resolveClassNames(given: readonly string[], train: CollectedRecords, labels: LabelKind = 'class', labelField = 'label'): string[] {
  if (given.length > 0) return [...given];
  if (labels === 'none') return [];
  if (labels === 'spans') {
    try {
      return entityTypesOf(train.records, labelField);
    } catch (err: unknown) {
      // The library names `data.label_field`; the job answers relative to its request.
      throw withFieldPrefix(err, 'spec.');
    }
  }
  const names = [...new Set(train.labels)].sort();
  if (names.length < 2) throw errors.invalidArgument('spec.data.label_field', `the training split has ${names.length} distinct label(s); a classifier needs at least 2`, { reason: 'TOO_FEW_CLASSES' });
  return names;
}

/** Refuses a record labelled outside the class list (before the worker starts). */
export function checkLabels(ex: CollectedRecords, classNames: readonly string[]): void {
  const known = new Set(classNames);
  ex.labels.forEach((l, i) => {
    if (!known.has(l)) throw errors.invalidArgument('spec.architecture.class_names', `record ${ex.records[i]?.id} is labelled "${l}", which is not among the class names`, { reason: 'UNKNOWN_LABEL' });
  });
}

/**
 * Splits off a validation hold-out, stratified by label: each class gives
 * round(fraction × its size) examples, at least 1 and at most all but 1 when
 * it has 2 or more (so every such class is in both parts; a class of 1 stays
 * in training). Which examples go is decided by a hash of seed and record id,
 * not by record order, so a resumed run (or the same snapshot read in another
 * order) holds out the same records. Both parts keep the records' order.
 */
export function holdOut(ex: CollectedRecords, fraction: number, seed: number): { train: CollectedRecords; validation: CollectedRecords } {
  if (!Number.isFinite(fraction) || fraction <= 0 || fraction >= 1) throw errors.invalidArgument('spec.data.validation_fraction', `must be between 0 and 1 (exclusive), got ${fraction}`);
  const byClass = new Map<string, { index: number; rank: string }[]>();
  ex.records.forEach((r, index) => {
    const label = ex.labels[index] as string;
    const rank = createHash('sha256').update(`${seed}:${r.id}`).digest('hex');
    let members = byClass.get(label);
    if (!members) byClass.set(label, (members = []));
    members.push({ index, rank });
  });
  const held = new Set<number>();
  for (const members of byClass.values()) {
    const n = members.length;
    if (n < 2) continue;
    const k = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
    // Ties (the same id twice) fall back to record order: still deterministic.
    members.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.index - b.index));
    for (const m of members.slice(0, k)) held.add(m.index);
  }
  const train = emptyRecords();
  const validation = emptyRecords();
  ex.records.forEach((r, i) => {
    const to = held.has(i) ? validation : train;
    to.records.push(r);
    to.labels.push(ex.labels[i] as string);
  });
  return { train, validation };
}
