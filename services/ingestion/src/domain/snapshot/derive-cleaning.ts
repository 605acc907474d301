import { errors, L1g1Error } from '@l1g1/kit';
import { createCleaningPipeline, type CleaningPipeline } from '../cleaning/cleaning-pipeline';
import type { CleaningStep } from '../cleaning/cleaning-step';
import { createExactDedupeStep } from '../cleaning/exact-dedupe';
import { createLanguageFilterStep } from '../cleaning/language-filter';
import { createLengthFilterStep } from '../cleaning/length-filter';
import { createNearDedupeStep } from '../cleaning/near-dedupe';
import { createNormalizeTextStep } from '../cleaning/normalize-text';
import type { PiiKind } from '../cleaning/pii/pii-detectors';
import { createPiiRedactionStep } from '../cleaning/pii/pii-redaction-step';

/** The proto's CleaningOptions in domain terms, as CreateSnapshot re-applies them. */
export interface RecleanOptions {
  dedupe: 'none' | 'exact' | 'near';
  nearDupeThreshold?: number;
  minLengthChars: number;
  maxLengthChars: number;
  /** Languages or scripts the language filter knows (see language-filter.ts); empty: keep all. */
  languages: readonly string[];
  piiKinds: readonly PiiKind[];
  normalizeText: boolean;
}

/**
 * A factory of cleaning pipelines for a derivation, in the proto's order
 * (normalisation, length, language, PII, dedupe), built from the existing
 * cleaning steps. Each call gives a fresh pipeline: dedupe state belongs to
 * one pass. Bad options are INVALID_ARGUMENT naming `cleaning.<field>`,
 * raised here at once rather than inside the job.
 */
export function recleanPipelineFactory(options: RecleanOptions): () => CleaningPipeline {
  const build = (): CleaningPipeline => {
    const steps: CleaningStep[] = [];
    if (options.normalizeText) steps.push(createNormalizeTextStep());
    if (options.minLengthChars > 0 || options.maxLengthChars > 0) {
      steps.push(
        createLengthFilterStep({
          minChars: options.minLengthChars,
          ...(options.maxLengthChars > 0 ? { maxChars: options.maxLengthChars } : {}),
        }),
      );
    }
    if (options.languages.length > 0) steps.push(renamed('cleaning.languages', () => createLanguageFilterStep({ allow: options.languages })));
    if (options.piiKinds.length > 0) steps.push(createPiiRedactionStep({ kinds: options.piiKinds }));
    if (options.dedupe === 'exact') steps.push(createExactDedupeStep());
    if (options.dedupe === 'near') {
      steps.push(createExactDedupeStep());
      steps.push(renamed('cleaning.near_dupe_threshold', () => createNearDedupeStep({ ...(options.nearDupeThreshold === undefined ? {} : { threshold: options.nearDupeThreshold }) })));
    }
    return createCleaningPipeline(steps);
  };
  build(); // validates the options now
  return build;
}

/** Re-labels a step's own INVALID_ARGUMENT with the request field the user set. */
function renamed(field: string, create: () => CleaningStep): CleaningStep {
  try {
    return create();
  } catch (err) {
    if (err instanceof L1g1Error && err.kind === 'INVALID_ARGUMENT') throw errors.invalidArgument(field, err.message, { cause: err });
    throw err;
  }
}
