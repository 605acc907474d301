import type { JsonValue } from '@l1g1/kit';

/** Job kinds (decision 4 of the issue). */
export const ALIGN_JOB_KIND = 'ingestion.align';
export const CONFIDENCE_FILTER_JOB_KIND = 'ingestion.confidence_filter';

/**
 * Params of the align and confidence-filter jobs: the request as its proto
 * JSON (so GetJob can answer it back as it was) and who asked.
 */
export interface AnalyticsJobParams {
  readonly request: JsonValue;
  readonly createdBy: string;
  /** The dataset the job reads (ListJobs filters on it). */
  readonly dataset: string;
}

/** The shape handlers/mappers.ts (toIngestionJob, jobDataset) reads back. */
export function analyticsJobParamsToJson(p: AnalyticsJobParams): JsonValue {
  return { request: p.request, created_by: p.createdBy, dataset: p.dataset };
}

export function analyticsJobParams(params: JsonValue): AnalyticsJobParams {
  const o = params !== null && typeof params === 'object' && !Array.isArray(params) ? params : {};
  return {
    request: o['request'] ?? {},
    createdBy: typeof o['created_by'] === 'string' ? o['created_by'] : '',
    dataset: typeof o['dataset'] === 'string' ? o['dataset'] : '',
  };
}
