/**
 * The ONNX export spec of a checkpoint of the interim MLP: its weights
 * (group `weights`, names `<layer>.kernel` / `<layer>.bias`) laid out as
 * dense layers, with the class names the run recorded in the checkpoint.
 */
import type { trainer } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import type { CheckpointFile } from '../../checkpoint/checkpoint-format';
import type { ExportModelSpec } from '../../export/layer-spec';

export function mlpExportSpec(arch: trainer.MlpSpec, file: CheckpointFile<unknown>): ExportModelSpec {
  const state = file.state as { meta?: Record<string, unknown> } | undefined;
  const classNames = JSON.parse(typeof state?.meta?.['class_names'] === 'string' ? state.meta['class_names'] : '[]') as string[];
  const names = [...arch.hiddenUnits.map((_, i) => `hidden_${i}`), 'logits'];
  const tensor = (name: string): Float32Array => {
    const t = file.tensors.find((x) => x.group === 'weights' && x.name === name);
    if (!t || !(t.values instanceof Float32Array)) throw errors.failedPrecondition(`the checkpoint has no weights ${name}`, { reason: 'CHECKPOINT_MISMATCH' });
    return t.values;
  };
  const sizes = [arch.inputDim, ...arch.hiddenUnits, classNames.length];
  const activation = arch.activation === 3 /* ACTIVATION_TANH */ ? 'tanh' : 'relu';
  return {
    inputShape: [arch.inputDim],
    inputName: 'features',
    outputName: 'probabilities',
    classNames,
    layers: names.map((name, i) => ({
      kind: 'dense' as const,
      kernel: tensor(`${name}.kernel`),
      bias: tensor(`${name}.bias`),
      inputSize: sizes[i] as number,
      units: sizes[i + 1] as number,
      activation: i < names.length - 1 ? activation : ('softmax' as const),
    })),
  };
}
