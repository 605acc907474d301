/**
 * A model version's `class_names` registry tag → the class names, index i
 * naming output column i. Two spellings are in use: comma-separated
 * (`ham,spam`) and a JSON array (`["ham","spam"]`, for names holding commas).
 */
import { errors } from '@l1g1/kit';

/** The tag a model version names its classes in. */
export const CLASS_NAMES_TAG = 'class_names';

/** Parses the tag's value; FAILED_PRECONDITION naming `class_names` when it cannot be read. */
export function parseClassNamesTag(value: string, model: string): string[] {
  const text = value.trim();
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((n): n is string => typeof n === 'string')) {
      throw errors.failedPrecondition(`the class_names tag of ${model} is not a JSON array of strings; name the classes in class_names`, {
        reason: 'CLASS_NAMES_TAG_INVALID',
        field: 'class_names',
      });
    }
    return parsed.map((n) => n.trim());
  }
  return text.length === 0 ? [] : text.split(',').map((n) => n.trim());
}
