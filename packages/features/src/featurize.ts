import { hashedNgramIds } from './hashed-ngrams';
import { padIdLists } from './padded-ids';
import type { PreprocessRecipe } from './preprocess-recipe';

/**
 * A record as the featurizer reads it: a payload and flat metadata (the ingestion service's
 * stored record, a ReadRecords answer or a client's request, without depending on any of them).
 */
export interface TextRecord {
  /** The text, or its UTF-8 bytes (invalid bytes become U+FFFD). */
  data: string | Uint8Array;
  metadata: Readonly<Record<string, string>>;
}

const decoder = new TextDecoder('utf-8');

/** The text a record is classified by: its recipe's metadata fields, then its payload, one per line. */
export function recipeText(record: TextRecord, metadataFields: readonly string[]): string {
  const parts = metadataFields.map((k) => record.metadata[k]).filter((v): v is string => v !== undefined);
  const payload = typeof record.data === 'string' ? record.data : decoder.decode(record.data);
  return [...parts, payload].join('\n');
}

/** One text → its hashed n-gram ids by the recipe (the text already carries any metadata lines). */
export function featurize(text: string, recipe: PreprocessRecipe): number[] {
  return hashedNgramIds(text, recipe);
}

/** One record → its ids: {@link recipeText} then {@link featurize}. */
export function featurizeRecord(record: TextRecord, recipe: PreprocessRecipe): number[] {
  return hashedNgramIds(recipeText(record, recipe.metadataFields), recipe);
}

/** Texts → the model's `ngram_ids` input: an INT64-ready `[rows, width]` matrix padded with -1. */
export function featurizeBatch(texts: readonly string[], recipe: PreprocessRecipe): { data: number[]; dims: [number, number] } {
  return padIdLists(texts.map((t) => hashedNgramIds(t, recipe)));
}
