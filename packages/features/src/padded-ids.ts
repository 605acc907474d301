/** Padding value of the embedding bag's id matrix (see `emitEmbeddingBag`). */
export const ID_PADDING = -1;

/**
 * Lays out ragged id lists (one per example: its hashed n-gram ids) as the exported text
 * classifier's input: a row-major `[rows, width]` matrix padded with {@link ID_PADDING}, `width`
 * the longest list (at least 1, so that an example without ids still has a row).
 */
export function padIdLists(lists: readonly (readonly number[])[]): { data: number[]; dims: [number, number] } {
  const width = Math.max(1, ...lists.map((l) => l.length));
  const data = new Array<number>(lists.length * width).fill(ID_PADDING);
  lists.forEach((list, r) => list.forEach((id, c) => (data[r * width + c] = id)));
  return { data, dims: [lists.length, width] };
}
