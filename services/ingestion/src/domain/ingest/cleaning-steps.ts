/**
 * The cleaning steps of an upload from its CleaningSpec, in the proto's
 * order: normalisation, length filter, language filter, PII redaction,
 * dedupe (so redacted copies dedupe too).
 */
import type { ingestion } from '@l1g1/contracts';
import type { CleaningStep } from '../cleaning/cleaning-step';
import { createExactDedupeStep } from '../cleaning/exact-dedupe';
import { createLanguageFilterStep } from '../cleaning/language-filter';
import { createLengthFilterStep } from '../cleaning/length-filter';
import { createNearDedupeStep } from '../cleaning/near-dedupe';
import { createNormalizeTextStep } from '../cleaning/normalize-text';
import { createPiiRedactionStep } from '../cleaning/pii/pii-redaction-step';
import { cleaningSpecFromProto, type CleaningSpec } from './ingest-spec';

export function createCleaningSteps(spec: CleaningSpec, knownIds: Iterable<string> = []): CleaningStep[] {
  const steps: CleaningStep[] = [];
  if (spec.normalize_text) steps.push(createNormalizeTextStep());
  if (spec.min_length_chars > 0 || spec.max_length_chars > 0) {
    steps.push(
      createLengthFilterStep({ minChars: spec.min_length_chars, ...(spec.max_length_chars > 0 ? { maxChars: spec.max_length_chars } : {}) }),
    );
  }
  if (spec.languages.length > 0) steps.push(createLanguageFilterStep({ allow: spec.languages, minShare: spec.min_language_confidence }));
  if (spec.pii_kinds.length > 0) steps.push(createPiiRedactionStep({ kinds: spec.pii_kinds }));
  if (spec.dedupe !== 'none') steps.push(createExactDedupeStep({ known: knownIds }));
  if (spec.dedupe === 'near') steps.push(createNearDedupeStep({ threshold: spec.near_dupe_threshold }));
  return steps;
}

/**
 * The chain an upload with these CleaningOptions runs (the IngestHeader's
 * `cleaning`, validated as the service validates it): the one way to build it
 * outside the service too (benchmarks, tools), so both count the same.
 */
export function createCleaningStepsFromOptions(options: ingestion.CleaningOptions | undefined, knownIds: Iterable<string> = []): CleaningStep[] {
  return createCleaningSteps(cleaningSpecFromProto(options, 'cleaning'), knownIds);
}
