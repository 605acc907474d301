/**
 * The labeling service's job kinds: the one place a kind is registered.
 * The worker claims exactly these kinds; GetJob/ListJobs map them back to
 * the contract. Add a kind as one line below.
 */
import type { JobHandler } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { exportToSnapshotKind } from './export-to-snapshot-job';
import type { LabelingJobKindDef } from './labeling-job-kind';
import { prelabelKind } from './prelabel-job';

export * from './export-to-snapshot-job';
export * from './labeling-job-kind';
export * from './labeling-job-params';
export * from './labeling-job-view';
export * from './prelabel-job';
export * from './submit-labeling-job';

export const LABELING_JOB_KINDS: readonly LabelingJobKindDef[] = [prelabelKind, exportToSnapshotKind];

/** Handlers by kit kind, for the kit job worker. */
export function labelingJobHandlers(deps: LabelingDeps, kinds: readonly LabelingJobKindDef[] = LABELING_JOB_KINDS): Record<string, JobHandler> {
  return Object.fromEntries(kinds.map((k) => [k.kind, k.createHandler(deps)]));
}
