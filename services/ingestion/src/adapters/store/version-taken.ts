import { L1g1Error } from '@l1g1/kit';

/** Another snapshot took the version a publisher wrote its manifest for (see `insertSnapshot`'s `expectVersion`). */
export function versionTaken(dataset: string, version: number): L1g1Error {
  return new L1g1Error('ABORTED', `snapshot ${dataset} version ${version} was taken by a concurrent publish; retry`, {
    reason: 'SNAPSHOT_VERSION_TAKEN',
  });
}
