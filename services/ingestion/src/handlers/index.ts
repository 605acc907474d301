/**
 * The IngestionService handlers: thin adapters from gRPC to the domain, one
 * group per concern. Each group overrides the methods it implements; the
 * rest answer UNIMPLEMENTED. Add a group as one line below.
 */
import type { ingestion } from '@l1g1/contracts';
import type { AsyncService } from '@l1g1/kit';
import type { IngestionDeps } from '../deps';
import { createUploadGate } from '../domain/ingest/upload-gate';
import { createSecureRandom } from '../domain/privacy';
import { createAnalyticsHandlers } from './analytics-handlers';
import { createDatasetHandlers } from './dataset-handlers';
import { createDeriveHandlers } from './derive-handlers';
import { createDownloadHandlers } from './download-handlers';
import { createIngestHandlers } from './ingest-handlers';
import { createJobHandlers } from './job-handlers';
import { createSnapshotReadHandlers } from './snapshot-handlers';
import { createUnimplementedHandlers } from './unimplemented-handlers';

export function createIngestionHandlers(deps: IngestionDeps): AsyncService<ingestion.IngestionServiceService> {
  return {
    ...createUnimplementedHandlers(),
    ...createIngestHandlers(deps, createUploadGate(deps.config.maxConcurrentUploads)),
    ...createDatasetHandlers(deps),
    ...createJobHandlers(deps),
    ...createSnapshotReadHandlers(deps),
    ...createDeriveHandlers(deps),
    ...createDownloadHandlers(deps),
    ...createAnalyticsHandlers(deps, { random: createSecureRandom() }),
  };
}
