import type { MethodScopes } from '@l1g1/kit';

/**
 * What each ModelRegistryService method needs (keys of the generated
 * definition). Reads browse and download; everything that changes a model,
 * a version or an alias is a write. A method missing here needs `write`.
 */
export const REGISTRY_METHOD_SCOPES: MethodScopes = {
  getModel: 'read',
  listModels: 'read',
  getVersion: 'read',
  resolveModel: 'read',
  listVersions: 'read',
  downloadArtifact: 'read',
  listAliasEvents: 'read',
  watchAliases: 'read',
  createModel: 'write',
  updateModel: 'write',
  deleteModel: 'write',
  createVersion: 'write',
  addVariant: 'write',
  updateVersion: 'write',
  archiveVersion: 'write',
  deleteVersion: 'write',
  setAlias: 'write',
  deleteAlias: 'write',
};
