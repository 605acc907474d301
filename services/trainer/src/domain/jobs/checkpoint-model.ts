/**
 * A job's checkpoint as a model again: the architecture the job's spec
 * names, built through the library's `createModel`, with the checkpoint's
 * weights written in — what ExportOnnx exports and a LoRA job fine-tunes.
 * The class order comes from the checkpoint (the run records it there).
 */
import type { trainer } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { restoreCheckpoint } from '../../checkpoint/checkpoint';
import { decodeCheckpoint } from '../../checkpoint/checkpoint-format';
import { createSeededRandom } from '../../engine/seeded-random';
import { createModel, type BuiltModel } from '../../models';
import { AdamW } from '../../optim/adamw';

/** The class names a checkpoint of the job runner recorded (meta `class_names`). */
export function checkpointClassNames(bytes: Uint8Array): string[] {
  const state = decodeCheckpoint(bytes).state as { meta?: Record<string, unknown> } | undefined;
  const raw = state?.meta?.['class_names'];
  let names: unknown;
  try {
    names = typeof raw === 'string' ? JSON.parse(raw) : undefined;
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || names.length < 2 || !names.every((n) => typeof n === 'string')) {
    throw errors.failedPrecondition('the checkpoint records no class names; it was not written by this trainer', { reason: 'CHECKPOINT_MISMATCH' });
  }
  return names as string[];
}

/**
 * Builds `architecture` and loads the checkpoint's weights into it (the optimizer moments are
 * read and dropped). The caller disposes the model.
 * @throws FAILED_PRECONDITION (CHECKPOINT_MISMATCH) when the weights do not fit the architecture.
 */
export function modelFromCheckpoint(architecture: trainer.ArchitectureSpec, bytes: Uint8Array): BuiltModel<unknown> {
  const model = createModel(architecture, checkpointClassNames(bytes), 0);
  const optimizer = new AdamW();
  try {
    restoreCheckpoint(bytes, { weights: model.trainable.weights, optimizer, rng: createSeededRandom(0) });
    // Rows a model holds outside tfjs (sparse embeddings) are read back from the restored weights.
    model.trainable.sparse?.afterRestore?.();
    return model;
  } catch (err: unknown) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
}
