import type { MethodScopes } from '@l1g1/kit';

/**
 * What each TrainerService method needs (keys of the generated definition):
 * reads browse jobs, their events and checkpoints; everything that starts,
 * stops or exports a training run is a write.
 */
export const TRAINER_METHOD_SCOPES: MethodScopes = {
  getJob: 'read',
  listJobs: 'read',
  watchJob: 'read',
  listCheckpoints: 'read',
  createTrainingJob: 'write',
  cancelJob: 'write',
  resumeJob: 'write',
  // Writes an artifact and may add a registry version: a write.
  exportOnnx: 'write',
};
