import { errors } from '@l1g1/kit';
import { createCleaningPipeline, type CleaningPipeline } from '../cleaning/cleaning-pipeline';
import { createCleaningSteps } from '../ingest/cleaning-steps';
import type { CleaningSpec } from '../ingest/ingest-spec';

/**
 * A factory of cleaning pipelines for a derivation, from the same
 * CleaningSpec and the same step mapping as an upload (`createCleaningSteps`),
 * so both paths accept the same options (`languages: ["en"]` included) and
 * clean alike. Each call gives a fresh pipeline: dedupe state belongs to one
 * pass. Options are checked by `cleaningSpecFromProto` before this runs.
 */
export function recleanPipelineFactory(spec: CleaningSpec, field = 'cleaning'): () => CleaningPipeline {
  // Image normalisation decodes asynchronously and derivations clean synchronously, record by record.
  if (spec.image !== undefined) throw errors.invalidArgument(`${field}.image`, 'image normalisation applies at upload (Ingest) only');
  const build = (): CleaningPipeline => createCleaningPipeline(createCleaningSteps(spec));
  build(); // validates the options now
  return build;
}
