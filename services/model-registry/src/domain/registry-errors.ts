/**
 * The registry's domain errors, built on the kit catalogue so each maps to one
 * gRPC status. Messages name what is missing or wrong so a user can act on
 * them; `reason` is stable for programs, `metadata` carries the identifiers.
 */
import { errors, type L1g1Error } from '@l1g1/kit';

/** Factories of the registry's NOT_FOUND / ALREADY_EXISTS / FAILED_PRECONDITION errors. */
export const registryErrors = {
  modelNotFound: (name: string): L1g1Error =>
    errors.notFound(`model "${name}"`, { reason: 'MODEL_NOT_FOUND', metadata: { model: name } }),

  versionNotFound: (name: string, version: number): L1g1Error =>
    errors.notFound(`version ${version} of model "${name}"`, {
      reason: 'VERSION_NOT_FOUND',
      metadata: { model: name, version: String(version) },
    }),

  aliasNotFound: (name: string, alias: string): L1g1Error =>
    errors.notFound(`alias "${alias}" of model "${name}"`, {
      reason: 'ALIAS_NOT_FOUND',
      metadata: { model: name, alias },
    }),

  artifactNotFound: (name: string, version: number, precision: string, available: readonly string[]): L1g1Error =>
    errors.notFound(
      `${precision} artifact of version ${version} of model "${name}" (available: ${available.join(', ') || 'none'})`,
      { reason: 'ARTIFACT_NOT_FOUND', metadata: { model: name, version: String(version), precision } },
    ),

  modelExists: (name: string): L1g1Error =>
    errors.alreadyExists(`model "${name}"`, { reason: 'MODEL_ALREADY_EXISTS', metadata: { model: name } }),

  precisionExists: (name: string, version: number, precision: string): L1g1Error =>
    errors.alreadyExists(`${precision} artifact of version ${version} of model "${name}"`, {
      reason: 'VARIANT_ALREADY_EXISTS',
      metadata: { model: name, version: String(version), precision },
    }),

  versionArchived: (name: string, version: number, alias: string): L1g1Error =>
    errors.failedPrecondition(`version ${version} of model "${name}" is archived and cannot receive alias "${alias}"`, {
      reason: 'VERSION_ARCHIVED',
      metadata: { model: name, version: String(version), alias },
    }),

  versionAliased: (name: string, version: number, aliases: readonly string[], action: string): L1g1Error =>
    errors.failedPrecondition(
      `cannot ${action} version ${version} of model "${name}": ` +
        `${aliases.length === 1 ? 'alias' : 'aliases'} ${aliases.map((a) => `"${a}"`).join(', ')} ` +
        `${aliases.length === 1 ? 'points' : 'point'} at it; move or delete ${aliases.length === 1 ? 'it' : 'them'} first`,
      {
        reason: 'VERSION_HAS_ALIASES',
        metadata: { model: name, version: String(version), aliases: aliases.join(',') },
      },
    ),
};
