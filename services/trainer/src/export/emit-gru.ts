import { intAttribute, intsAttribute, stringAttribute, stringsAttribute } from '@l1g1/onnx';
import { type EmitState, expectLength, expectPositive, lastDim } from './emit-state';
import type { GraphBuilder } from './graph-builder';
import type { GruLayerSpec, GruWeights } from './layer-spec';

const ONNX_ACTIVATION = { sigmoid: 'Sigmoid', hardSigmoid: 'HardSigmoid', tanh: 'Tanh', relu: 'Relu' } as const;

/** `[rows, cols]` row-major → `[cols, rows]`. */
function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c] ?? 0;
  return out;
}

/**
 * GRU onto ONNX's GRU op. The gate order is the same on both sides (z, r, h: Keras packs its
 * kernels `[z | r | h]` along the last axis, ONNX packs `W[zrh]` along the first), so each
 * direction's kernel is only transposed: tfjs `[in, 3·units]` → ONNX `W [3·units, in]`,
 * recurrent `[units, 3·units]` → `R [3·units, units]`.
 *
 * Bias and the reset gate: with `resetAfter = false` (the only mode tfjs's GRU implements) Keras
 * computes `h~ = g(x·Wh + bh + (r ⊙ h)·Rh)`, which is ONNX's `linear_before_reset = 0` with
 * `Wb = bias`, `Rb = 0`. With `resetAfter = true` (Keras 2 / TF 2's default, e.g. an imported
 * model) Keras computes `h~ = g(x·Wh + bxh + r ⊙ (h·Rh + bhh))`, which is
 * `linear_before_reset = 1` with the `[2, 3·units]` bias split into `Wb` (row 0) and `Rb` (row 1).
 * Both write `h' = z ⊙ h + (1 − z) ⊙ h~`. tfjs's default recurrent activation is hardSigmoid
 * (0.2·x + 0.5, clipped), which is ONNX HardSigmoid's default alpha and beta.
 *
 * Layout: ONNX GRU (opset 13) is time-major, so `[batch, time, features]` is transposed in, and
 * `Y [time, dirs, batch, units]` is transposed back and reshaped to `[batch, time, dirs·units]`,
 * forward then backward, which is Bidirectional's `concat`; ONNX's reverse direction already
 * aligns its outputs with input time, as tfjs's Bidirectional does by reversing them back.
 *
 * After a padded embedding (`state.sequenceLengths`), the lengths feed the GRU's
 * `sequence_lens`, and stacked GRUs keep passing them on (the token tagger's masked BiGRU).
 */
export function emitGru(graph: GraphBuilder, state: EmitState, layer: GruLayerSpec, field: string): EmitState {
  expectPositive(`${field}.units`, layer.units);
  const inputSize = lastDim(state, field);
  if (state.shape.length !== 3) throw new RangeError(`${field}: a GRU takes [batch, time, features]`);
  if (layer.inputSize !== inputSize) throw new RangeError(`${field}.inputSize is ${layer.inputSize} but its input has ${inputSize} features`);
  const f = ONNX_ACTIVATION[layer.recurrentActivation];
  const g = ONNX_ACTIVATION[layer.activation];
  if (f === undefined) throw new RangeError(`${field}.recurrentActivation '${String(layer.recurrentActivation)}' cannot be exported`);
  if (g === undefined) throw new RangeError(`${field}.activation '${String(layer.activation)}' cannot be exported`);
  const units = layer.units;
  const directions: [string, GruWeights][] = [['forward', layer.forward]];
  if (layer.backward !== undefined) directions.push(['backward', layer.backward]);
  const dirs = directions.length;
  const w = new Float32Array(dirs * 3 * units * inputSize);
  const r = new Float32Array(dirs * 3 * units * units);
  const b = new Float32Array(dirs * 6 * units);
  directions.forEach(([name, weights], d) => {
    const at = `${field}.${name}`;
    expectLength(`${at}.kernel`, weights.kernel, [inputSize, 3 * units]);
    expectLength(`${at}.recurrentKernel`, weights.recurrentKernel, [units, 3 * units]);
    w.set(transpose(weights.kernel, inputSize, 3 * units), d * 3 * units * inputSize);
    r.set(transpose(weights.recurrentKernel, units, 3 * units), d * 3 * units * units);
    if (weights.bias !== undefined) {
      // resetAfter: [input bias | recurrent bias] is exactly ONNX's [Wb | Rb]; otherwise Rb stays 0.
      expectLength(`${at}.bias`, weights.bias, layer.resetAfter ? [2, 3 * units] : [3 * units]);
      b.set(weights.bias, d * 6 * units);
    }
  });
  const timeMajor = graph.op('Transpose', [state.tensor], [intsAttribute('perm', [1, 0, 2])]);
  const inputs = [
    timeMajor,
    graph.weight(`${field}.W`, w, [dirs, 3 * units, inputSize], 1),
    graph.weight(`${field}.R`, r, [dirs, 3 * units, units], 1),
    graph.bias(`${field}.B`, b, [dirs, 6 * units]),
  ];
  // Right-padded rows: each direction runs over the row's real steps only (the reverse one
  // starts at its last token) and the padded steps of Y are zeros.
  if (state.sequenceLengths !== undefined) inputs.push(state.sequenceLengths);
  const activations = Array.from({ length: dirs }, () => [f, g]).flat();
  const [y, yH] = graph.opMulti('GRU', inputs, [`${field}.Y`, `${field}.Y_h`], [
    intAttribute('hidden_size', units),
    stringAttribute('direction', dirs === 2 ? 'bidirectional' : 'forward'),
    intAttribute('linear_before_reset', layer.resetAfter ? 1 : 0),
    stringsAttribute('activations', activations),
  ]) as [string, string];
  const [batch, time] = state.shape;
  if (layer.returnSequences) {
    const batchMajor = graph.op('Transpose', [y], [intsAttribute('perm', [2, 0, 1, 3])]);
    const out = graph.op('Reshape', [batchMajor, graph.int64(`${field}.shape`, [0, 0, -1])]);
    return { ...state, tensor: out, shape: [batch ?? 'batch', time ?? 'time', dirs * units], path: field };
  }
  const batchMajor = graph.op('Transpose', [yH], [intsAttribute('perm', [1, 0, 2])]);
  const out = graph.op('Reshape', [batchMajor, graph.int64(`${field}.shape`, [0, -1])]);
  return { ...state, tensor: out, shape: [batch ?? 'batch', dirs * units], path: field };
}
