import type * as tf from '@tensorflow/tfjs';
import type { DenseLayerSpec, ExportActivation } from '../export/layer-spec';

/** One dense layer of a model's head, as the models hold it (raw variables, tfjs layouts). */
export interface DenseWeights {
  /** `[inputs, units]`. */
  kernel: tf.Variable;
  bias: tf.Variable;
  inputs: number;
  units: number;
}

/**
 * A head's layers as the exporter's specs (copies of the trained weights): `hidden` on every
 * layer but the last, softmax on the last (the classifiers' output).
 */
export function denseHeadSpecs(dense: readonly DenseWeights[], hidden: ExportActivation): DenseLayerSpec[] {
  return dense.map((d, i) => ({
    kind: 'dense',
    kernel: d.kernel.dataSync() as Float32Array,
    bias: d.bias.dataSync() as Float32Array,
    inputSize: d.inputs,
    units: d.units,
    activation: i < dense.length - 1 ? hidden : 'softmax',
  }));
}
