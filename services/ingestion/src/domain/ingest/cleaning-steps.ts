/**
 * The one mapping of a dataset's cleaning options (a CleaningSpec, from
 * `cleaningSpecFromProto`) to cleaning steps, used by uploads (the worker),
 * derivations (CreateSnapshot re-cleaning) and the benchmark alike, in the
 * proto's order: image normalisation (async, first), normalisation, length
 * filter, language filter, PII redaction, dedupe (so redacted copies dedupe too).
 */
import type { ingestion } from '@l1g1/contracts';
import { createCleaningPipeline, type CleaningPipeline } from '../cleaning/cleaning-pipeline';
import type { AsyncCleaningStep, CleaningStep } from '../cleaning/cleaning-step';
import { createExactDedupeStep } from '../cleaning/exact-dedupe';
import type { ImageCodec } from '../cleaning/image-codec';
import { createImageNormalizationStep } from '../cleaning/image-normalization-step';
import { createLanguageFilterStep } from '../cleaning/language-filter';
import { createLengthFilterStep } from '../cleaning/length-filter';
import { createNearDedupeStep } from '../cleaning/near-dedupe';
import { createNormalizeTextStep } from '../cleaning/normalize-text';
import { createPiiRedactionStep } from '../cleaning/pii/pii-redaction-step';
import { cleaningSpecFromProto, type CleaningSpec } from './ingest-spec';

/** The synchronous steps of `spec` (every step but image normalisation). */
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

/** The async steps of `spec`: image normalisation when configured (it needs a codec then). */
export function createAsyncCleaningSteps(spec: CleaningSpec, imageCodec: ImageCodec | undefined): AsyncCleaningStep[] {
  if (spec.image === undefined) return [];
  if (imageCodec === undefined) throw new Error('image normalisation is configured but no image codec was passed'); // our wiring bug
  return [
    createImageNormalizationStep(
      { maxSidePx: spec.image.max_side_px, grayscale: spec.image.grayscale, equalizeHistogram: spec.image.equalize_histogram },
      imageCodec,
    ),
  ];
}

/** The whole upload pipeline of `spec` (call `applyAsync` on it). */
export function createUploadCleaningPipeline(spec: CleaningSpec, options: { knownIds?: Iterable<string>; imageCodec?: ImageCodec }): CleaningPipeline {
  return createCleaningPipeline(createCleaningSteps(spec, options.knownIds), { asyncSteps: createAsyncCleaningSteps(spec, options.imageCodec) });
}
