import { ElemType, intAttribute } from '@l1g1/onnx';
import { type EmitState, expectLength, expectPositive } from './emit-state';
import type { GraphBuilder } from './graph-builder';
import type { EmbeddingBagLayerSpec, EmbeddingLayerSpec } from './layer-spec';

function checkTable(field: string, layer: EmbeddingLayerSpec | EmbeddingBagLayerSpec): void {
  expectPositive(`${field}.vocabularySize`, layer.vocabularySize);
  expectPositive(`${field}.dim`, layer.dim);
  expectLength(`${field}.table`, layer.table, [layer.vocabularySize, layer.dim]);
}

/**
 * Per-token lookup: INT64 ids `[batch, time]` → `[batch, time, dim]`. With `padding`, ids < 0
 * give zero rows and the row lengths (count of ids ≥ 0: padding must be on the right) become
 * the state's `sequenceLengths`.
 */
export function emitEmbedding(graph: GraphBuilder, state: EmitState, layer: EmbeddingLayerSpec, field: string): EmitState {
  checkTable(field, layer);
  if (layer.padding !== true) {
    const out = graph.gather(field, layer.table, layer.vocabularySize, layer.dim, state.tensor);
    return { ...state, tensor: out, shape: [...state.shape, layer.dim], path: field };
  }
  if (state.shape.length !== 2) throw new RangeError(`${field}: a padded embedding takes ids [batch, time]`);
  const zero = graph.int64(`${field}.zero`, [0], []);
  const isId = graph.op('GreaterOrEqual', [state.tensor, zero]);
  const mask = graph.op('Cast', [isId], [intAttribute('to', ElemType.FLOAT)]);
  const rows = graph.gather(field, layer.table, layer.vocabularySize, layer.dim, graph.op('Max', [state.tensor, zero]));
  const out = graph.op('Mul', [rows, graph.op('Unsqueeze', [mask, graph.int64(`${field}.last_axis`, [2])])]);
  const lengths = graph.op('ReduceSum', [graph.op('Cast', [isId], [intAttribute('to', ElemType.INT32)]), graph.int64(`${field}.time_axis`, [1])], [intAttribute('keepdims', 0)]);
  return { ...state, tensor: out, shape: [...state.shape, layer.dim], path: field, sequenceLengths: lengths };
}

/**
 * Embedding bag over a padded id matrix: INT64 `[batch, max_ids]`, `-1` = padding. Chosen over
 * PyTorch's ids + offsets because a ragged list per row needs a loop or SequenceMap in ONNX, while
 * a padded matrix is one Gather and one ReduceSum that every runtime (and the inference
 * service's batcher, which batches requests of equal `max_ids`) handles; the padding costs
 * `max_ids - ids` zero rows per example, small for texts cut to a token budget.
 *
 * Graph: mask = ids >= 0; rows = table[max(ids, 0)] · mask; sum over ids; mean divides by
 * max(count, 1), so a row without ids gives zeros (as PyTorch's EmbeddingBag does).
 */
export function emitEmbeddingBag(graph: GraphBuilder, state: EmitState, layer: EmbeddingBagLayerSpec, field: string): EmitState {
  checkTable(field, layer);
  if (layer.combiner !== 'sum' && layer.combiner !== 'mean') {
    throw new RangeError(`${field}.combiner must be 'sum' or 'mean', got '${String(layer.combiner)}'`);
  }
  if (state.shape.length !== 2) throw new RangeError(`${field}: an embedding bag takes ids [batch, max_ids]`);
  const zero = graph.int64(`${field}.zero`, [0], []);
  const isId = graph.op('GreaterOrEqual', [state.tensor, zero]);
  const mask = graph.op('Cast', [isId], [intAttribute('to', ElemType.FLOAT)]);
  const safeIds = graph.op('Max', [state.tensor, zero]);
  const rows = graph.gather(field, layer.table, layer.vocabularySize, layer.dim, safeIds);
  const lastAxis = graph.int64(`${field}.last_axis`, [2]);
  const idAxis = graph.int64(`${field}.id_axis`, [1]);
  const masked = graph.op('Mul', [rows, graph.op('Unsqueeze', [mask, lastAxis])]);
  let out = graph.op('ReduceSum', [masked, idAxis], [intAttribute('keepdims', 0)]);
  if (layer.combiner === 'mean') {
    const count = graph.op('ReduceSum', [mask, idAxis], [intAttribute('keepdims', 1)]);
    const atLeastOne = graph.op('Max', [count, graph.float(`${field}.one`, [1], [])]);
    out = graph.op('Div', [out, atLeastOne]);
  }
  return { ...state, tensor: out, shape: [state.shape[0] ?? 'batch', layer.dim], path: field };
}
