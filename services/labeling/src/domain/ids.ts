/**
 * Ids of projects, tasks and annotations: a prefix, the creation time in
 * base 36 (so ids sort by creation and serve as keyset page keys) and random
 * bits (so replicas never collide).
 */
import { randomBytes } from 'node:crypto';

export type IdKind = 'prj' | 'tsk' | 'ann';

/** A new id of `kind` at `nowMs`. */
export function newId(kind: IdKind, nowMs: number): string {
  return `${kind}_${Math.max(0, Math.floor(nowMs)).toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}
