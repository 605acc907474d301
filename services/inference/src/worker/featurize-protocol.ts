/** Messages between the inference main thread and its text featurizer thread. */
import type { PreprocessRecipe } from '@l1g1/features';

export type ToFeaturizer = { id: number; texts: string[]; recipe: PreprocessRecipe };

/** `ids`: little-endian INT64 `[rows, width]`, padded with the recipe's padding id. */
export type FromFeaturizer = { id: number; ids: ArrayBuffer; rows: number; width: number } | { id: number; error: string };
