/**
 * What a training thread trains: the model the spec names, built through
 * the library's `createModel`, or — for a LoRA job — low-rank adapters over
 * that model rebuilt from its base checkpoint and frozen. Either way the
 * loop sees one TrainableModel, an evaluation, and what to export.
 */
import type { trainer } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { modelFromCheckpoint } from '../domain/jobs/checkpoint-model';
import { architectureLayers } from '../domain/spec/architecture-layers';
import type { TrainableModel } from '../engine/train-loop';
import type { ExportModelSpec } from '../export/layer-spec';
import { createLoraModel, createModel, layerNames, loraConfig, type FeatureExample, type LoraModel, type RecordInput, type SparseAdamW, type TextExample } from '../models';
import { splitFrozenBag } from '../models/lora-frozen-bag';

export interface RunnableModel {
  trainable: TrainableModel<unknown>;
  featurize(records: readonly RecordInput[], labelField: string): unknown[];
  evaluate(examples: readonly unknown[], batchSize: number): object;
  exportSpec(): ExportModelSpec;
  tags(): Record<string, string>;
  /** Figures for the registry besides the validation metrics. */
  metrics(): Record<string, number>;
  dispose(): void;
}

export interface LoraInput {
  base: Uint8Array;
  rank: number;
  alpha: number;
  targets: string[];
  /** False: export the adapter alone (the job's one target), not the merged model. */
  mergeOnExport: boolean;
}

/**
 * The adapter alone as a model: input `input` = the adapted layer's input `[in]`, output `delta`
 * = (alpha/rank)·x·A·B `[out]`, the two matmuls as bias-free linear dense layers (so the exporter,
 * its fp16/int8 variants and the registry's signature work unchanged). A client adds `delta` to
 * the base layer's pre-activation output; the base is named by the version's `base_model` tag.
 */
function adapterSpec(adapter: ReturnType<LoraModel['adapter']>): ExportModelSpec {
  if (adapter.length !== 1) throw errors.internal(`the adapter alone is exported for one target, got ${adapter.length}`);
  const [only] = adapter as [ReturnType<LoraModel['adapter']>[number]];
  return {
    inputShape: [only.inputSize],
    inputName: 'input',
    outputName: 'delta',
    layers: [
      { kind: 'dense', kernel: only.a, inputSize: only.inputSize, units: only.rank, activation: 'linear' },
      { kind: 'dense', kernel: only.b.map((v) => v * only.scale), inputSize: only.rank, units: only.units, activation: 'linear' },
    ],
  };
}

/**
 * The library's names of the dense layers `targets` picks (the architecture's layer names or
 * prefixes, as resolve-spec checked them): the n-th dense layer of the architecture is the n-th
 * dense layer of its export chain.
 */
function libraryTargets(architecture: trainer.ArchitectureSpec, base: ExportModelSpec, targets: readonly string[]): { library: string; name: string }[] {
  const archDense = architectureLayers(architecture).filter((l) => l.dense).map((l) => l.name);
  const chainDense = layerNames(base).filter((_, i) => base.layers[i]?.kind === 'dense');
  if (archDense.length !== chainDense.length) throw errors.internal(`the ${architecture.architecture?.$case} layer list does not match its export chain`);
  const chosen = targets.length === 0 ? archDense : archDense.filter((n) => targets.some((t) => n === t || n.startsWith(t)));
  return chosen.map((n) => ({ library: chainDense[archDense.indexOf(n)] as string, name: n }));
}

export function createRunnableModel(architecture: trainer.ArchitectureSpec, classNames: readonly string[], seed: number, optimizer: SparseAdamW, lora: LoraInput | undefined): RunnableModel {
  if (lora === undefined) {
    const model = createModel(architecture, classNames, seed, { optimizer });
    return {
      trainable: model.trainable,
      featurize: (records, labelField) => model.featurize(records, labelField),
      evaluate: (examples, batchSize) => model.evaluate(examples, batchSize),
      exportSpec: () => model.exportSpec(),
      tags: () => model.tags(),
      metrics: () => ({}),
      dispose: () => model.dispose(),
    };
  }
  const base = modelFromCheckpoint(architecture, lora.base);
  try {
    const fullSpec = base.exportSpec();
    // A text classifier's embedding bag stays frozen: the adapters train on its fixed bag means.
    const frozen = splitFrozenBag(fullSpec);
    const baseSpec = frozen?.head ?? fullSpec;
    const targets = libraryTargets(architecture, baseSpec, lora.targets);
    const config = loraConfig({ rank: lora.rank, alpha: lora.alpha, targetLayers: targets.map((t) => t.library), mergeOnExport: true }, baseSpec);
    const adapters = createLoraModel(baseSpec, config, seed);
    const baseTags = base.tags();
    return {
      // Cast: the adapters train on FeatureExamples (the base's own for a dense chain, bag means for a text classifier).
      trainable: adapters.trainable as TrainableModel<unknown>,
      featurize: (records, labelField) => {
        const examples = base.featurize(records, labelField);
        // Cast: a chain led by an embedding bag is the text classifier's, whose examples are TextExamples.
        return frozen ? (examples as TextExample[]).map((e) => frozen.features(e)) : examples;
      },
      evaluate: (examples) => adapters.evaluate(examples as FeatureExample[]),
      // The merged model: W + (alpha / rank)·A·B per target, served like the base (behind its frozen bag).
      exportSpec: () => (!lora.mergeOnExport ? adapterSpec(adapters.adapter()) : frozen ? frozen.withBag(adapters.mergedSpec()) : adapters.mergedSpec()),
      tags: () => ({
        // The adapter alone does not read the base's input: the base's serving recipe does not apply to it.
        ...(lora.mergeOnExport ? baseTags : { architecture: baseTags['architecture'] ?? '', lora_export: 'adapter', lora_layer: targets[0]?.name ?? '' }),
        lora_rank: String(config.rank),
        lora_alpha: String(config.alpha),
        lora_targets: config.targets.join(','),
        lora_adapter_parameters: String(adapters.adapterParameterCount),
      }),
      metrics: () => ({ adapter_parameters: adapters.adapterParameterCount }),
      dispose: () => {
        adapters.dispose();
        base.dispose();
      },
    };
  } catch (err: unknown) {
    base.dispose();
    throw err;
  }
}
