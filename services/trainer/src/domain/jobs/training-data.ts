/**
 * Records of a snapshot turned into the examples one job trains on: labels
 * from a metadata key, features from the record (a JSON array of numbers or
 * little-endian fp32), the class order fixed (given, or the sorted distinct
 * labels), a validation hold-out when the snapshot has no validation split.
 * Everything held is counted against the job's memory bound.
 */
import { createHash } from 'node:crypto';
import { errors } from '@l1g1/kit';

export interface LabelledRecord {
  id: string;
  data: Uint8Array;
  metadata: Record<string, string>;
}

/** Examples before class indices are known. */
export interface CollectedExamples {
  ids: string[];
  labels: string[];
  /** One feature vector per example, concatenated. */
  features: number[];
}

export interface CollectOptions {
  inputDim: number;
  labelField: string;
  failOnMissingLabel: boolean;
  /** Bytes of training data one job may hold (L1G1_TRAINER_MAX_DATASET_BYTES). */
  maxBytes: number;
}

/** Features of one record: `inputDim` numbers as JSON, or `inputDim` little-endian fp32 values. */
export function parseFeatures(record: LabelledRecord, inputDim: number): number[] {
  const d = record.data;
  const first = d.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x5b /* [ */) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(d).toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length !== inputDim || !parsed.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw errors.invalidArgument('spec.architecture.mlp.input_dim', `record ${record.id} does not hold a JSON array of ${inputDim} finite numbers`, { reason: 'BAD_TRAINING_RECORD' });
    }
    return parsed as number[];
  }
  if (d.byteLength !== inputDim * 4) {
    throw errors.invalidArgument('spec.architecture.mlp.input_dim', `record ${record.id} holds ${d.byteLength} bytes, not ${inputDim} fp32 values or a JSON array`, { reason: 'BAD_TRAINING_RECORD' });
  }
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return Array.from({ length: inputDim }, (_, i) => view.getFloat32(i * 4, true));
}

/** Collects labelled examples from `records`, refusing more than `maxBytes` in memory. */
export async function collectExamples(records: AsyncIterable<LabelledRecord>, o: CollectOptions, into: CollectedExamples = { ids: [], labels: [], features: [] }, budget = { bytes: 0 }): Promise<CollectedExamples> {
  for await (const r of records) {
    const label = r.metadata[o.labelField];
    if (label === undefined || label === '') {
      if (o.failOnMissingLabel) throw errors.invalidArgument('spec.data.fail_on_missing_label', `record ${r.id} has no metadata "${o.labelField}"`, { reason: 'MISSING_LABEL' });
      continue;
    }
    // What this example costs held as a float64 feature array plus its id and label.
    budget.bytes += o.inputDim * 8 + r.id.length + label.length + 64;
    if (budget.bytes > o.maxBytes) {
      throw errors.failedPrecondition(`the training data exceeds the trainer's memory bound of ${o.maxBytes} bytes (L1G1_TRAINER_MAX_DATASET_BYTES); train on a smaller snapshot or raise the bound`, {
        reason: 'DATASET_TOO_LARGE',
      });
    }
    into.ids.push(r.id);
    into.labels.push(label);
    for (const v of parseFeatures(r, o.inputDim)) into.features.push(v);
  }
  return into;
}

/** The class order: the spec's, else the sorted distinct labels of the training examples. */
export function resolveClassNames(given: readonly string[], train: CollectedExamples): string[] {
  if (given.length > 0) return [...given];
  const names = [...new Set(train.labels)].sort();
  if (names.length < 2) throw errors.invalidArgument('spec.data.label_field', `the training split has ${names.length} distinct label(s); a classifier needs at least 2`, { reason: 'TOO_FEW_CLASSES' });
  return names;
}

/** Flat typed arrays for the worker; a label outside the class list is refused. */
export function toExampleSet(ex: CollectedExamples, classNames: readonly string[]): { features: Float32Array; labels: Int32Array; count: number } {
  const index = new Map(classNames.map((c, i) => [c, i]));
  const labels = Int32Array.from(ex.labels, (l, i) => {
    const k = index.get(l);
    if (k === undefined) throw errors.invalidArgument('spec.architecture.class_names', `record ${ex.ids[i]} is labelled "${l}", which is not among the class names`, { reason: 'UNKNOWN_LABEL' });
    return k;
  });
  return { features: Float32Array.from(ex.features), labels, count: ex.ids.length };
}

/**
 * Splits off a validation hold-out, stratified by label: each class gives
 * round(fraction × its size) examples, at least 1 and at most all but 1 when
 * it has 2 or more (so every such class is in both parts; a class of 1 stays
 * in training). Which examples go is decided by a hash of seed and record id,
 * not by record order, so a resumed run (or the same snapshot read in another
 * order) holds out the same records. Both parts keep the records' order.
 */
export function holdOut(ex: CollectedExamples, fraction: number, seed: number, inputDim: number): { train: CollectedExamples; validation: CollectedExamples } {
  if (!Number.isFinite(fraction) || fraction <= 0 || fraction >= 1) throw errors.invalidArgument('spec.data.validation_fraction', `must be between 0 and 1 (exclusive), got ${fraction}`);
  const byClass = new Map<string, { index: number; rank: string }[]>();
  ex.ids.forEach((id, index) => {
    const label = ex.labels[index] as string;
    const rank = createHash('sha256').update(`${seed}:${id}`).digest('hex');
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
  const train: CollectedExamples = { ids: [], labels: [], features: [] };
  const validation: CollectedExamples = { ids: [], labels: [], features: [] };
  ex.ids.forEach((id, i) => {
    const to = held.has(i) ? validation : train;
    to.ids.push(id);
    to.labels.push(ex.labels[i] as string);
    for (let k = 0; k < inputDim; k++) to.features.push(ex.features[i * inputDim + k] as number);
  });
  return { train, validation };
}
