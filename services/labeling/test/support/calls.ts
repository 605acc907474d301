/** Promise forms of the LabelingService calls the tests make, and a refusal helper. */
import { strict as assert } from 'node:assert';
import { labeling, type common } from '@l1g1/contracts';
import { L1g1Error, unary } from '@l1g1/kit';
import type { LabelingClient } from './start-labeling';

export function calls(client: LabelingClient) {
  return {
    createProject: (r: labeling.DeepPartial<labeling.CreateProjectRequest>) => unary(client.createProject.bind(client), labeling.CreateProjectRequest.fromPartial(r)),
    getProject: (projectId: string) => unary(client.getProject.bind(client), { projectId }),
    updateProject: (r: labeling.DeepPartial<labeling.UpdateProjectRequest>) => unary(client.updateProject.bind(client), labeling.UpdateProjectRequest.fromPartial(r)),
    deleteProject: (projectId: string, force = false) => unary(client.deleteProject.bind(client), { projectId, force }),
    listProjects: (r: labeling.DeepPartial<labeling.ListProjectsRequest> = {}) => unary(client.listProjects.bind(client), labeling.ListProjectsRequest.fromPartial(r)),
    importTasks: (r: labeling.DeepPartial<labeling.ImportTasksRequest>) => unary(client.importTasks.bind(client), labeling.ImportTasksRequest.fromPartial(r)),
    getTask: (taskId: string) => unary(client.getTask.bind(client), { taskId }),
    listTasks: (r: labeling.DeepPartial<labeling.ListTasksRequest>) => unary(client.listTasks.bind(client), labeling.ListTasksRequest.fromPartial(r)),
    nextTask: (projectId: string, annotator: string) => unary(client.nextTask.bind(client), labeling.NextTaskRequest.fromPartial({ projectId, annotator })),
    submit: (r: labeling.DeepPartial<labeling.SubmitAnnotationRequest>) => unary(client.submitAnnotation.bind(client), labeling.SubmitAnnotationRequest.fromPartial(r)),
    listAnnotations: (r: labeling.DeepPartial<labeling.ListAnnotationsRequest>) => unary(client.listAnnotations.bind(client), labeling.ListAnnotationsRequest.fromPartial(r)),
    agreement: (r: labeling.DeepPartial<labeling.ComputeAgreementRequest>) => unary(client.computeAgreement.bind(client), labeling.ComputeAgreementRequest.fromPartial(r)),
    exportToSnapshot: (r: labeling.DeepPartial<labeling.ExportToSnapshotRequest>) => unary(client.exportToSnapshot.bind(client), labeling.ExportToSnapshotRequest.fromPartial(r)),
    getJob: (jobId: string) => unary(client.getJob.bind(client), { jobId }),
    listJobs: (r: labeling.DeepPartial<labeling.ListJobsRequest>) => unary(client.listJobs.bind(client), labeling.ListJobsRequest.fromPartial(r)),
    cancelJob: (jobId: string) => unary(client.cancelJob.bind(client), { jobId }),
    reviewQueue: (r: labeling.DeepPartial<labeling.ListReviewQueueRequest>) => unary(client.listReviewQueue.bind(client), labeling.ListReviewQueueRequest.fromPartial(r)),
  };
}

/** The L1g1Error `p` is refused with (fails the test when it succeeds). */
export async function refusal(p: Promise<unknown>): Promise<L1g1Error> {
  try {
    await p;
  } catch (err: unknown) {
    assert.ok(err instanceof L1g1Error, `expected an L1g1Error, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to be refused');
}

export const textRecord = (id: string, text: string): labeling.DeepPartial<common.Record> => ({
  id,
  data: Buffer.from(text),
  contentType: 'text/plain',
  metadata: {},
});

export const cls = (...labels: string[]): labeling.AnnotationValue => ({ value: { $case: 'classification', value: { labels } } });
export const spans = (...s: [number, number, string][]): labeling.AnnotationValue => ({
  value: { $case: 'ner', value: { spans: s.map(([start, end, label]) => ({ start, end, label, text: '' })) } },
});
export const boxes = (...b: [string, number, number, number, number][]): labeling.AnnotationValue => ({
  value: { $case: 'bbox', value: { boxes: b.map(([label, x, y, width, height]) => ({ label, x, y, width, height })) } },
});

/** A class for a CreateProject request (the service assigns the index). */
export const labelClass = (name: string): labeling.LabelClass => ({ name, index: 0, description: '', color: '' });
