/**
 * Split assignment stratified by label: within each label's records, order
 * by a seeded hash of the record id and cut at the cumulative fractions, so
 * every split gets each label in proportion and the same seed always gives
 * the same split (a re-export lands records where they were).
 */
import { errors } from '@l1g1/kit';
import { createHash } from 'node:crypto';

const SPLIT_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The fractions in name order, refused (naming the field) unless each is in (0, 1] and they add up to 1. */
export function checkSplitFractions(fractions: Readonly<Record<string, number>>, field = 'split_fractions'): [string, number][] {
  const entries = Object.entries(fractions).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length > 16) throw errors.invalidArgument(field, 'at most 16 splits');
  let sum = 0;
  for (const [name, f] of entries) {
    if (!SPLIT_NAME.test(name)) throw errors.invalidArgument(`${field}.${name.slice(0, 40)}`, 'split names are 1-32 characters: lowercase letters, digits, _ -');
    if (!Number.isFinite(f) || f <= 0 || f > 1) throw errors.invalidArgument(`${field}.${name}`, 'must be a fraction in (0, 1]');
    sum += f;
  }
  if (entries.length > 0 && Math.abs(sum - 1) > 1e-6) throw errors.invalidArgument(field, `the fractions add up to ${sum}; they must add up to 1`);
  return entries;
}

/** Record id → split name, for `items` (record id and the label it is stratified by). */
export function stratifiedSplit(items: Iterable<{ recordId: string; label: string }>, fractions: readonly [string, number][], seed: number): Map<string, string> {
  const byLabel = new Map<string, string[]>();
  for (const { recordId, label } of items) {
    const ids = byLabel.get(label) ?? [];
    ids.push(recordId);
    byLabel.set(label, ids);
  }
  const out = new Map<string, string>();
  const key = (id: string): string => createHash('sha256').update(`${seed}:${id}`).digest('hex');
  for (const ids of byLabel.values()) {
    const ordered = ids.map((id) => ({ id, k: key(id) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    let cum = 0;
    let start = 0;
    fractions.forEach(([name, f], i) => {
      cum += f;
      const end = i === fractions.length - 1 ? ordered.length : Math.round(cum * ordered.length);
      for (let j = start; j < end; j++) out.set(ordered[j]!.id, name);
      start = Math.max(start, end);
    });
  }
  return out;
}
