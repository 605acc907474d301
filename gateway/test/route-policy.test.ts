import { strict as assert } from 'node:assert';
import { defaultRoutePolicy } from '../src/admission/route-policy';

describe('gateway route policy: upstream, admission lane and deadline class of each route', () => {
  const cases: [string, string, ReturnType<typeof defaultRoutePolicy>][] = [
    ['GET', '/healthz', { lane: 'exempt', deadline: 'metadata' }],
    ['GET', '/metrics', { lane: 'exempt', deadline: 'metadata' }],
    ['GET', '/v2/health/live', { lane: 'exempt', deadline: 'metadata' }],
    ['GET', '/v2/health/ready', { lane: 'request', deadline: 'metadata' }],
    ['POST', '/v1/models/:name(^[^/:]+)::predict', { upstream: 'inference', lane: 'request', deadline: 'predict' }],
    ['POST', '/v2/models/:name/infer', { upstream: 'inference', lane: 'request', deadline: 'predict' }],
    ['POST', '/v2/models/:name/versions/:version/infer', { upstream: 'inference', lane: 'request', deadline: 'predict' }],
    ['GET', '/v2/models/:name', { upstream: 'inference', lane: 'request', deadline: 'metadata' }],
    ['POST', '/v2/repository/models/:name/load', { upstream: 'inference', lane: 'request', deadline: 'transfer' }],
    ['GET', '/v1/events/aliases', { upstream: 'registry', lane: 'stream', deadline: 'metadata' }],
    ['POST', '/v1/models/:name/versions', { upstream: 'registry', lane: 'request', deadline: 'transfer' }],
    ['PUT', '/v1/models/:name/versions/:version/variants/:precision', { upstream: 'registry', lane: 'request', deadline: 'transfer' }],
    ['GET', '/v1/models/:name/versions/:version/artifact', { upstream: 'registry', lane: 'request', deadline: 'transfer' }],
    ['GET', '/v1/models/:name/versions', { upstream: 'registry', lane: 'request', deadline: 'metadata' }],
    ['PUT', '/v1/models/:name/aliases/:alias', { upstream: 'registry', lane: 'request', deadline: 'metadata' }],
    ['GET', '/v1/models', { upstream: 'registry', lane: 'request', deadline: 'metadata' }],
    // Ingestion: whole snapshots move or are read (uploads, records, derive, diff, DP statistics): the transfer deadline.
    ['POST', '/v1/datasets/:dataset/uploads', { upstream: 'ingestion', lane: 'request', deadline: 'transfer' }],
    ['POST', '/v1/datasets/:dataset/snapshots', { upstream: 'ingestion', lane: 'request', deadline: 'transfer' }],
    ['GET', '/v1/datasets/:dataset/diff', { upstream: 'ingestion', lane: 'request', deadline: 'transfer' }],
    ['POST', '/v1/datasets/:dataset/dp-statistics', { upstream: 'ingestion', lane: 'request', deadline: 'transfer' }],
    ['GET', '/v1/datasets/:dataset/snapshots', { upstream: 'ingestion', lane: 'request', deadline: 'metadata' }],
    ['GET', '/v1/ingestion/jobs/:job_id/events', { upstream: 'ingestion', lane: 'stream', deadline: 'metadata' }],
    // Labeling: the progress stream is a stream; exports and task imports move whole projects or snapshots.
    ['GET', '/v1/labeling/projects/:project_id/events', { upstream: 'labeling', lane: 'stream', deadline: 'metadata' }],
    ['GET', '/v1/labeling/projects/:project_id/export', { upstream: 'labeling', lane: 'request', deadline: 'transfer' }],
    ['POST', '/v1/labeling/projects/:project_id/tasks', { upstream: 'labeling', lane: 'request', deadline: 'transfer' }],
    ['POST', '/v1/labeling/projects/:project_id(^[^/:]+)::import-annotations', { upstream: 'labeling', lane: 'request', deadline: 'transfer' }],
    ['GET', '/v1/labeling/jobs/:job_id/events', { upstream: 'labeling', lane: 'stream', deadline: 'metadata' }],
    ['GET', '/v1/labeling/projects/:project_id/tasks', { upstream: 'labeling', lane: 'request', deadline: 'metadata' }],
    ['POST', '/v1/labeling/tasks/:task_id/annotations', { upstream: 'labeling', lane: 'request', deadline: 'metadata' }],
    // A route of a later issue that no rule knows: counted, no breaker gate, the short deadline.
    ['GET', '/v1/jobs', { lane: 'request', deadline: 'metadata' }],
  ];
  for (const [method, url, expected] of cases) {
    it(`${method} ${url}`, () => assert.deepEqual(defaultRoutePolicy(method, url), expected));
  }
});
