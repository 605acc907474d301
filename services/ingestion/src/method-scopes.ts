import type { MethodScopes } from '@l1g1/kit';

/**
 * What each IngestionService method needs (keys of the generated
 * definition): reads browse datasets, snapshots, records, jobs and the review
 * queue; everything that creates or changes data (uploads, derivations, jobs,
 * review decisions, privacy budget spending) is a write.
 */
export const INGESTION_METHOD_SCOPES: MethodScopes = {
  listDatasets: 'read',
  getSnapshot: 'read',
  listSnapshots: 'read',
  diffSnapshots: 'read',
  readRecords: 'read',
  downloadSnapshot: 'read',
  listReviewQueue: 'read',
  getJob: 'read',
  listJobs: 'read',
  ingest: 'write',
  createSnapshot: 'write',
  alignStreams: 'write',
  filterByConfidence: 'write',
  resolveReviewItem: 'write',
  // Spends the dataset's privacy budget: a write.
  computeDpStatistics: 'write',
  cancelJob: 'write',
};
