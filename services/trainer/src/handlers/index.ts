/**
 * The TrainerService handlers: thin adapters from gRPC to the domain, one
 * group per concern. Each group overrides the methods it implements; the
 * rest answer UNIMPLEMENTED. Add a group as one line below.
 */
import type { trainer } from '@l1g1/contracts';
import type { AsyncService } from '@l1g1/kit';
import type { TrainerDeps } from '../deps';
import { createExportHandlers } from './export-handlers';
import { createJobHandlers } from './job-handlers';
import { createUnimplementedHandlers } from './unimplemented-handlers';
import { createWatchHandlers } from './watch-handlers';

export function createTrainerHandlers(deps: TrainerDeps): AsyncService<trainer.TrainerServiceService> {
  return {
    ...createUnimplementedHandlers(),
    ...createJobHandlers(deps),
    ...createWatchHandlers(deps),
    ...createExportHandlers(deps),
  };
}
