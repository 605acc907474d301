import { errors } from '@l1g1/kit';
import type { SnapshotRef } from './stored-record';

/** The dataset name rule of the proto (IngestHeader.dataset). */
export const DATASET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/**
 * A request's DatasetRef as a SnapshotRef, or INVALID_ARGUMENT naming
 * `<field>.name` / `<field>.snapshot`. Version 0 means the latest.
 */
export function snapshotRefInput(ref: { name: string; snapshot: number } | undefined, field: string): SnapshotRef {
  if (ref === undefined || ref.name === '') throw errors.invalidArgument(`${field}.name`, 'name the dataset');
  if (!DATASET_NAME.test(ref.name)) throw errors.invalidArgument(`${field}.name`, `must match ${DATASET_NAME.source}`);
  if (!Number.isInteger(ref.snapshot) || ref.snapshot < 0) throw errors.invalidArgument(`${field}.snapshot`, `must be >= 0 (0: the latest), got ${ref.snapshot}`);
  return { dataset: ref.name, version: ref.snapshot };
}
