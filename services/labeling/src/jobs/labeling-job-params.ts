/**
 * What every labeling job stores as its kit params: the project it works
 * on, who asked, and the request as the contract's JSON (read back by the
 * kind's `view` and handler). One shape for every kind, so ListJobs can
 * filter by project without knowing the kinds.
 */
import type { JsonValue } from '@l1g1/kit';

export interface LabelingJobParams {
  projectId: string;
  createdBy: string;
  request: JsonValue;
}

export function encodeLabelingJobParams(p: LabelingJobParams): JsonValue {
  return { project_id: p.projectId, created_by: p.createdBy, request: p.request };
}

/** The params of a stored job; missing parts read as empty (a row from an older build). */
export function decodeLabelingJobParams(params: JsonValue): LabelingJobParams {
  const o = params !== null && typeof params === 'object' && !Array.isArray(params) ? params : {};
  return {
    projectId: typeof o['project_id'] === 'string' ? o['project_id'] : '',
    createdBy: typeof o['created_by'] === 'string' ? o['created_by'] : '',
    request: o['request'] ?? null,
  };
}
