/**
 * Which tasks get `annotations_per_task` annotators and which need one, when
 * a project measures agreement on a sample (overlap_fraction < 1): decided by
 * a stable hash of the record id, so re-importing or importing on another
 * replica gives the same answer.
 */
import { createHash } from 'node:crypto';

/** Annotators a task with `recordId` needs. */
export function requiredAnnotators(recordId: string, annotationsPerTask: number, overlapFraction: number): number {
  if (annotationsPerTask <= 1 || overlapFraction >= 1) return Math.max(1, annotationsPerTask);
  if (overlapFraction <= 0) return 1;
  const h = createHash('sha256').update(recordId).digest().readUInt32BE(0) / 0x1_0000_0000;
  return h < overlapFraction ? annotationsPerTask : 1;
}
