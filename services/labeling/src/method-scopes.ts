import type { MethodScopes } from '@l1g1/kit';

/**
 * What each LabelingService method needs (keys of the generated definition):
 * reads browse projects, tasks, annotations, agreement and exports; taking a
 * task from the queue and submitting labels change state, so they are writes
 * (an `annotate` scope may narrow this when the page lands).
 */
export const LABELING_METHOD_SCOPES: MethodScopes = {
  getProject: 'read',
  listProjects: 'read',
  getTask: 'read',
  listTasks: 'read',
  listAnnotations: 'read',
  computeAgreement: 'read',
  listReviewQueue: 'read',
  exportAnnotations: 'read',
  getJob: 'read',
  listJobs: 'read',
  watchJob: 'read',
  createProject: 'write',
  updateProject: 'write',
  deleteProject: 'write',
  importTasks: 'write',
  nextTask: 'write',
  submitAnnotation: 'write',
  createPrelabels: 'write',
  exportToSnapshot: 'write',
  importAnnotations: 'write',
  cancelJob: 'write',
};
