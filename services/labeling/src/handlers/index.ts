/**
 * The LabelingService handlers: thin adapters from gRPC to the domain, one
 * group per concern. Each group overrides the methods it implements; the
 * rest answer UNIMPLEMENTED. Add a group as one line below.
 */
import type { labeling } from '@l1g1/contracts';
import type { AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { createAgreementHandlers } from './agreement-handlers';
import { createAnnotationHandlers } from './annotation-handlers';
import { createExportHandlers } from './export-handlers';
import { createLabelIssueHandlers } from './label-issue-handlers';
import { createPrelabelHandlers } from './prelabel-handlers';
import { createImportHandlers } from './import-handlers';
import { createJobHandlers } from './job-handlers';
import { createJobWatchHandlers } from './job-watch-handlers';
import { createProjectHandlers } from './project-handlers';
import { createSnapshotExportHandlers } from './snapshot-export-handlers';
import { createTaskHandlers } from './task-handlers';
import { createUnimplementedHandlers } from './unimplemented-handlers';

export function createLabelingHandlers(deps: LabelingDeps): AsyncService<labeling.LabelingServiceService> {
  return {
    ...createUnimplementedHandlers(),
    ...createProjectHandlers(deps),
    ...createTaskHandlers(deps),
    ...createAnnotationHandlers(deps),
    ...createAgreementHandlers(deps),
    ...createExportHandlers(deps),
    ...createPrelabelHandlers(deps),
    ...createLabelIssueHandlers(deps),
    ...createImportHandlers(deps),
    ...createJobHandlers(deps),
    ...createJobWatchHandlers(deps),
    ...createSnapshotExportHandlers(deps),
  };
}
