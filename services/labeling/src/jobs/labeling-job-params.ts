/**
 * What every labeling job stores as its kit params: the project it works
 * on, who asked, and the request as the contract's JSON (read back by the
 * kind's `view` and handler). One shape for every kind, so ListJobs can
 * filter by project without knowing the kinds. A kind that fixes more at
 * submission than the request says (pre-labels pin the model version and
 * input layout) keeps that in `plan`, read only by its own handler.
 */
import type { JsonValue } from '@l1g1/kit';

export interface LabelingJobParams {
  projectId: string;
  createdBy: string;
  request: JsonValue;
  /** What the submitter resolved for the handler; absent for kinds that need only the request. */
  plan?: JsonValue;
}

export function encodeLabelingJobParams(p: LabelingJobParams): JsonValue {
  return { project_id: p.projectId, created_by: p.createdBy, request: p.request, ...(p.plan !== undefined ? { plan: p.plan } : {}) };
}

/** The params of a stored job; missing parts read as empty (a row from an older build). */
export function decodeLabelingJobParams(params: JsonValue): LabelingJobParams {
  const o = params !== null && typeof params === 'object' && !Array.isArray(params) ? params : {};
  return {
    projectId: typeof o['project_id'] === 'string' ? o['project_id'] : '',
    createdBy: typeof o['created_by'] === 'string' ? o['created_by'] : '',
    request: o['request'] ?? null,
    ...(o['plan'] !== undefined ? { plan: o['plan'] } : {}),
  };
}
