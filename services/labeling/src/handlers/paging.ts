/** The page size rule every list of the contract states: 0 → 50, at most 1000. */
import type { common } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';

export function pageSizeOf(page: common.PageRequest | undefined): number {
  const n = page?.pageSize ?? 0;
  if (n < 0) throw errors.invalidArgument('page.page_size', 'cannot be negative');
  return n === 0 ? 50 : Math.min(n, 1000);
}
