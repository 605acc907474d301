/**
 * REST + SSE for the ingestion service (`/v1/datasets`, `/v1/ingestion`):
 * datasets, streamed uploads, snapshots and their records, diff, derive,
 * alignment and confidence-filter jobs, the review queue, DP statistics,
 * jobs and their progress as SSE. Scopes come from the default rule (GET
 * read, everything else write); every parameter is checked here before the
 * upstream is called.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { common, ingestion } from '@l1g1/contracts';
import { errors, L1g1Error } from '@l1g1/kit';
import { deadlineMsFor } from '../admission/route-policy';
import type { GatewayConfig } from '../config';
import type { Upstreams } from '../upstreams';
import { guarded, INT64_SAFE_MAX, intParam, objectBody, rpc } from './common';
import { parseEnum } from './ingestion/enum-names';
import {
  datasetJson,
  diffJson,
  ingestResultJson,
  jobJson,
  listDatasetsJson,
  listJobsJson,
  listReviewJson,
  listSnapshotsJson,
  reviewItemJson,
  snapshotJson,
  dpJson,
} from './ingestion/ingestion-json';
import { streamJobEvents } from './ingestion/job-events';
import { sendRecords } from './ingestion/record-stream';
import { sendSnapshotFile } from './ingestion/snapshot-download';
import {
  alignRequest,
  boolQuery,
  confidenceFilterRequest,
  createSnapshotRequest,
  datasetName,
  dpRequest,
  page,
  resolveReviewRequest,
  uploadHeader,
  type Query,
} from './ingestion/request-parsers';
import { streamUpload } from './ingestion/upload-stream';

type Params = Record<string, string>;

/** Body types an upload takes as a stream; JSON is not one (a JSON file goes as application/octet-stream). */
export const UPLOAD_CONTENT_TYPES = ['application/octet-stream', 'multipart/form-data', 'application/x-tar', 'application/zip', 'application/gzip', 'application/x-gzip'] as const;

/** How often the job SSE asks GetJob: fast enough for a progress bar, light on the service. */
const JOB_POLL_MS = 500;

/** What `/download` serves: the Parquet file (default) or the records as NDJSON. */
const DOWNLOAD_FORMATS = ['parquet', 'ndjson'] as const;

function downloadFormat(value: string | undefined): (typeof DOWNLOAD_FORMATS)[number] {
  if (value === undefined || value === '') return 'parquet';
  const found = DOWNLOAD_FORMATS.find((f) => f === value);
  if (!found) throw errors.invalidArgument('format', `must be one of ${DOWNLOAD_FORMATS.join(', ')}, got "${value.slice(0, 40)}"`);
  return found;
}

function versionParam(value: string | undefined, field = 'version'): number {
  return intParam(value, field, { min: 1 });
}

/** A job id as the kit mints them; checked so that a wild value is a 400, not a lookup. */
function jobIdParam(value: string | undefined): string {
  if (!value || !/^[A-Za-z0-9_-]{1,128}$/.test(value)) throw errors.invalidArgument('job_id', 'must be a job id (letters, digits, _ and -, at most 128)');
  return value;
}

export function registerIngestionRoutes(app: FastifyInstance, up: Upstreams, config: GatewayConfig): void {
  const client = up.ingestion;
  const guard = up.guard.ingestion;
  const open = new Set<() => void>();
  // Shutdown must not wait for event streams that never end by themselves.
  app.addHook('preClose', (done) => {
    for (const close of open) close();
    done();
  });

  // ---------------------------------------------------------------- datasets

  app.get('/v1/datasets', async (req) => {
    const q = req.query as Query;
    return listDatasetsJson(await rpc(guard, client.listDatasets.bind(client), { page: page(q), query: q['query'] ?? '' }, req));
  });

  // The contract has no GetDataset: the name is looked up through ListDatasets' query and matched exactly.
  app.get('/v1/datasets/:dataset', async (req) => {
    const name = datasetName((req.params as Params)['dataset']);
    let pageToken = '';
    for (let pages = 0; pages < 100; pages++) {
      const res = await rpc(guard, client.listDatasets.bind(client), { page: { pageSize: 1000, pageToken }, query: name }, req);
      const hit = res.datasets.find((d) => d.name === name);
      if (hit) return datasetJson(hit);
      pageToken = res.page?.nextPageToken ?? '';
      if (pageToken === '') break;
    }
    throw errors.notFound(`dataset "${name}"`, { reason: 'DATASET_NOT_FOUND', field: 'dataset' });
  });

  // ---------------------------------------------------------------- uploads
  // Encapsulated so that the pass-through body parsers below apply to the upload route only.
  app.register(async (scope) => {
    for (const type of UPLOAD_CONTENT_TYPES) {
      if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
      scope.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
    }
    scope.post('/v1/datasets/:dataset/uploads', async (req, reply) => {
      const q = req.query as Query;
      const header = uploadHeader((req.params as Params)['dataset']!, q);
      const labelFromFolder = boolQuery(q['label_from_folder'], 'label_from_folder');
      const declared = req.headers['content-length'] === undefined ? 0 : intParam(req.headers['content-length'], 'content-length', { max: Number.MAX_SAFE_INTEGER });
      if (declared > config.maxIngestUploadBytes) {
        throw new L1g1Error('INVALID_ARGUMENT', `body: an upload of ${declared} bytes exceeds the limit of ${config.maxIngestUploadBytes}`, { reason: 'BODY_TOO_LARGE', field: 'body' });
      }
      const body = req.body as Readable | undefined;
      if (!body || typeof body.on !== 'function') {
        throw errors.invalidArgument('content-type', `send the file as the raw body (${UPLOAD_CONTENT_TYPES.filter((t) => t !== 'multipart/form-data').join(', ')}) or many files as multipart/form-data`, {
          reason: 'UNSUPPORTED_MEDIA_TYPE',
        });
      }
      const result = await guarded(guard, () =>
        streamUpload(client, req, header, { filename: q['filename'] || undefined, labelFromFolder }, { maxUploadBytes: config.maxIngestUploadBytes, deadlineMs: deadlineMsFor(req) ?? config.uploadTimeoutMs }),
      );
      const ref = result.snapshot;
      if (ref && !result.replayed) reply.code(201).header('location', `/v1/datasets/${encodeURIComponent(ref.name)}/snapshots/${ref.snapshot}`);
      return ingestResultJson(result);
    });
  });

  // ---------------------------------------------------------------- snapshots

  app.get('/v1/datasets/:dataset/snapshots', async (req) => {
    const dataset = datasetName((req.params as Params)['dataset']);
    return listSnapshotsJson(await rpc(guard, client.listSnapshots.bind(client), { dataset, page: page(req.query as Query) }, req));
  });

  app.post('/v1/datasets/:dataset/snapshots', async (req, reply) => {
    const request = createSnapshotRequest((req.params as Params)['dataset']!, req.body);
    const s = await rpc(guard, client.createSnapshot.bind(client), request, req);
    return reply.code(201).header('location', `/v1/datasets/${encodeURIComponent(s.dataset)}/snapshots/${s.version}`).send(snapshotJson(s));
  });

  app.get('/v1/datasets/:dataset/snapshots/:version', async (req) => {
    const { dataset, version } = req.params as Params;
    const ref: common.DatasetRef = { name: datasetName(dataset), snapshot: versionParam(version) };
    return snapshotJson(await rpc(guard, client.getSnapshot.bind(client), { snapshot: ref }, req));
  });

  const readRequest = (req: FastifyRequest): ingestion.ReadRecordsRequest => {
    const { dataset, version } = req.params as Params;
    const q = req.query as Query;
    const shardCount = intParam(q['shard_count'], 'shard_count', { fallback: 0 });
    const shardIndex = intParam(q['shard_index'], 'shard_index', { fallback: 0 });
    if (shardCount > 0 && shardIndex >= shardCount) throw errors.invalidArgument('shard_index', `must be below shard_count (${shardCount})`);
    return {
      snapshot: { name: datasetName(dataset), snapshot: versionParam(version) },
      filter: undefined,
      split: q['split'] ?? '',
      shardIndex,
      shardCount,
      resumeToken: q['resume_token'] ?? '',
      limit: intParam(q['limit'], 'limit', { fallback: 0, max: INT64_SAFE_MAX }),
      batchSize: intParam(q['batch_size'], 'batch_size', { fallback: 0, max: 4096 }),
      metadataOnly: boolQuery(q['metadata_only'], 'metadata_only'),
    };
  };

  app.get('/v1/datasets/:dataset/snapshots/:version/records', async (req, reply) => {
    await sendRecords(client, guard, req, reply, readRequest(req), { deadlineMs: deadlineMsFor(req) ?? config.uploadTimeoutMs });
  });

  // The snapshot's Parquet file as published (the default), or its records
  // as an NDJSON attachment with `?format=ndjson` (the read filters apply).
  app.get('/v1/datasets/:dataset/snapshots/:version/download', async (req, reply) => {
    const format = downloadFormat((req.query as Query)['format']);
    // Checked whatever the format, so a bad filter is a 400 and never silently ignored.
    const request = readRequest(req);
    const deadlineMs = deadlineMsFor(req) ?? config.uploadTimeoutMs;
    if (format === 'parquet') {
      await sendSnapshotFile(client, guard, req, reply, request.snapshot!, { deadlineMs });
      return;
    }
    const file = `${request.snapshot!.name}-v${request.snapshot!.snapshot}.ndjson`;
    await sendRecords(client, guard, req, reply, request, { deadlineMs, headers: { 'content-disposition': `attachment; filename="${file}"` } });
  });

  app.get('/v1/datasets/:dataset/diff', async (req) => {
    const q = req.query as Query;
    const dataset = datasetName((req.params as Params)['dataset']);
    // Every value is checked before the required ones are demanded, so the error names the bad one.
    const request = { dataset, page: page(q), includeChanges: boolQuery(q['include_changes'], 'include_changes'), fromVersion: intParam(q['from'], 'from', { min: 1, fallback: 0 }), toVersion: intParam(q['to'], 'to', { min: 1, fallback: 0 }) };
    if (request.fromVersion === 0) throw errors.invalidArgument('from', 'is required: the snapshot number to compare from');
    if (request.toVersion === 0) throw errors.invalidArgument('to', 'is required: the snapshot number to compare to');
    return diffJson(await rpc(guard, client.diffSnapshots.bind(client), request, req));
  });

  app.post('/v1/datasets/:dataset/dp-statistics', async (req) => {
    const request = dpRequest((req.params as Params)['dataset']!, req.body);
    return dpJson(await rpc(guard, client.computeDpStatistics.bind(client), request, req));
  });

  // ---------------------------------------------------------------- jobs that make snapshots

  app.post('/v1/ingestion/align', async (req, reply) => {
    const job = await rpc(guard, client.alignStreams.bind(client), alignRequest(req.body), req);
    return reply.code(202).header('location', `/v1/ingestion/jobs/${job.status?.jobId ?? ''}`).send(jobJson(job));
  });

  app.post('/v1/ingestion/confidence-filter', async (req, reply) => {
    const job = await rpc(guard, client.filterByConfidence.bind(client), confidenceFilterRequest(req.body), req);
    return reply.code(202).header('location', `/v1/ingestion/jobs/${job.status?.jobId ?? ''}`).send(jobJson(job));
  });

  // ---------------------------------------------------------------- review queue

  app.get('/v1/ingestion/review', async (req) => {
    const q = req.query as Query;
    return listReviewJson(
      await rpc(guard, client.listReviewQueue.bind(client), {
        dataset: q['dataset'] ? datasetName(q['dataset']) : '',
        state: parseEnum(ingestion.ReviewState, 'REVIEW_STATE_', q['state'], 'state'),
        reason: parseEnum(ingestion.ReviewReason, 'REVIEW_REASON_', q['reason'], 'reason'),
        jobId: q['job_id'] ? jobIdParam(q['job_id']) : '',
        page: page(q),
      }, req),
    );
  });

  app.post('/v1/ingestion/review/:item_id/resolve', async (req) => {
    const itemId = (req.params as Params)['item_id']!;
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(itemId)) throw errors.invalidArgument('item_id', 'must be a review item id (letters, digits, _ and -, at most 128)');
    return reviewItemJson(await rpc(guard, client.resolveReviewItem.bind(client), resolveReviewRequest(itemId, req.body), req));
  });

  // ---------------------------------------------------------------- jobs

  app.get('/v1/ingestion/jobs', async (req) => {
    const q = req.query as Query;
    return listJobsJson(
      await rpc(guard, client.listJobs.bind(client), {
        page: page(q),
        kind: parseEnum(ingestion.IngestionJobKind, 'INGESTION_JOB_KIND_', q['kind'], 'kind'),
        state: parseEnum(common.JobState, 'JOB_STATE_', q['state'], 'state'),
        dataset: q['dataset'] ? datasetName(q['dataset']) : '',
      }, req),
    );
  });

  app.get('/v1/ingestion/jobs/:job_id', async (req) => {
    const jobId = jobIdParam((req.params as Params)['job_id']);
    return jobJson(await rpc(guard, client.getJob.bind(client), { jobId }, req));
  });

  // `{job_id}:cancel` (AIP-136 custom method); the regex keeps the colon out of the id.
  app.post('/v1/ingestion/jobs/:job_id(^[^/:]+)::cancel', async (req) => {
    objectBody(req.body);
    const jobId = jobIdParam((req.params as Params)['job_id']);
    return jobJson(await rpc(guard, client.cancelJob.bind(client), { jobId }, req));
  });

  app.get('/v1/ingestion/jobs/:job_id/events', async (req, reply) => {
    const jobId = jobIdParam((req.params as Params)['job_id']);
    await streamJobEvents(client, guard, req, reply, jobId, { pollMs: JOB_POLL_MS, heartbeatMs: config.sseHeartbeatMs, maxLifeMs: config.uploadTimeoutMs }, open);
  });
}
