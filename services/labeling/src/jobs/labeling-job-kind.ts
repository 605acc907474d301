/**
 * One kind of labeling job (pre-labels, export to a snapshot ...): how the
 * kit job it runs as is named, how its stored request and result read back
 * as the contract's `LabelingJob` oneofs, and the handler the worker runs.
 * A new kind is one object of this shape, listed once in `jobs/index.ts`.
 */
import type { labeling } from '@l1g1/contracts';
import type { JobHandler, JsonValue } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';

export interface LabelingJobKindDef {
  /** The kit job kind; `labeling.` + a lowercase name, so ListJobs knows the service's own jobs. */
  readonly kind: string;
  readonly proto: labeling.LabelingJobKind;
  /** The request (as stored by `submitLabelingJob`) and, once succeeded, the result as the contract's oneofs. */
  view(request: JsonValue, result: JsonValue | undefined): Pick<labeling.LabelingJob, 'request' | 'result'>;
  /** The worker's handler for this kind; its resolved value is stored as the job's result. */
  createHandler(deps: LabelingDeps): JobHandler;
}

/** Prefix of every labeling job kind in the kit store. */
export const LABELING_JOB_PREFIX = 'labeling.';
