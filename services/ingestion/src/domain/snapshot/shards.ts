import { errors } from '@l1g1/kit';
import { unitHash } from './stable-hash';

/** A reader's share of a snapshot: shard `index` of `count` (count 0: everything). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Validates shard_index / shard_count (0 / 0: no sharding), naming the field. */
export function validateShard(index: number, count: number): ShardSpec {
  if (!Number.isInteger(count) || count < 0) throw errors.invalidArgument('shard_count', `must be >= 0, got ${count}`);
  if (!Number.isInteger(index) || index < 0) throw errors.invalidArgument('shard_index', `must be >= 0, got ${index}`);
  if (count === 0 && index !== 0) throw errors.invalidArgument('shard_index', 'must be 0 when shard_count is 0 (no sharding)');
  if (count > 0 && index >= count) throw errors.invalidArgument('shard_index', `must be < shard_count (${count}), got ${index}`);
  return { index, count };
}

/**
 * Whether a record belongs to a shard: by a stable hash of its id, so every
 * record lands in exactly one shard of `count` whatever the reader, and
 * parallel training workers partition a snapshot without coordinating.
 */
export function inShard(id: string, shard: ShardSpec): boolean {
  if (shard.count === 0) return true;
  return Math.floor(unitHash(id, shard.count, 'shard') * shard.count) === shard.index;
}
