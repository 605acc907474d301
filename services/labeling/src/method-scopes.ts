import type { MethodScopes } from '@l1g1/kit';

/**
 * What each LabelingService method needs (keys of the generated definition):
 * reads browse projects, tasks, annotations, agreement and exports; taking a
 * task from the queue and submitting labels need `annotate` (which `write`
 * implies), so a labeler's key can label without being able to change or
 * delete projects.
 */
export const LABELING_METHOD_SCOPES: MethodScopes = {
  getProject: 'read',
  listProjects: 'read',
  getTask: 'read',
  listTasks: 'read',
  listAnnotations: 'read',
  computeAgreement: 'read',
  listReviewQueue: 'read',
  findLabelIssues: 'write',
  exportAnnotations: 'read',
  getJob: 'read',
  listJobs: 'read',
  watchJob: 'read',
  createProject: 'write',
  updateProject: 'write',
  deleteProject: 'write',
  importTasks: 'write',
  nextTask: 'annotate',
  submitAnnotation: 'annotate',
  createPrelabels: 'write',
  exportToSnapshot: 'write',
  importAnnotations: 'write',
  cancelJob: 'write',
};
