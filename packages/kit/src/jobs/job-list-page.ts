/**
 * One page of a service's ListJobs, straight from the store's filters: the
 * page token carries the keyset cursor (created_at_ms, id) of the last job
 * shown, bound to the list and its filters, so every page is exact however
 * many jobs of other subjects, kinds or services lie in between.
 */
import { decodeKeysetPageToken, encodeKeysetPageToken } from '../page-token';
import type { Job } from './job';
import type { JobStore, ListJobsOptions } from './job-store';

/** The store answers at most this many jobs per call (listLimit); one is the look-ahead. */
const MAX_PAGE_SIZE = 499;

export interface JobListPageRequest {
  /** The filters (the same on every page; `fingerprint` must cover them). */
  filter: Omit<ListJobsOptions, 'limit' | 'before'>;
  /** Jobs wanted (already defaulted by the caller); more than the store's cap gives a smaller page. */
  pageSize: number;
  /** '' for the first page. */
  pageToken: string;
  /** Which list issues the tokens (e.g. `labeling-jobs`). */
  list: string;
  /** filterFingerprint of the request's filters. */
  fingerprint: string;
}

/** The page and the token of the next one ('' after the last). */
export async function listJobsPage(jobs: Pick<JobStore, 'list'>, req: JobListPageRequest): Promise<{ jobs: Job[]; nextPageToken: string }> {
  const cursor = decodeKeysetPageToken(req.pageToken, req.list, req.fingerprint);
  const before = cursor ? { createdAtMs: cursor.n, id: cursor.id } : undefined;
  const size = Math.min(req.pageSize, MAX_PAGE_SIZE);
  const found = await jobs.list({ ...req.filter, limit: size + 1, ...(before ? { before } : {}) });
  const shown = found.slice(0, size);
  const last = shown[shown.length - 1];
  const more = found.length > size && last !== undefined;
  return { jobs: shown, nextPageToken: more ? encodeKeysetPageToken(req.list, req.fingerprint, { n: last.createdAtMs, id: last.id }) : '' };
}
