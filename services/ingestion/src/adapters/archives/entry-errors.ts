import { errors, type L1g1Error } from '@l1g1/kit';

// Errors for one archive entry refused on its own; the archive's other entries go on.

/** A path that climbs out of the archive (`../x`). */
export function unsafeEntryPathError(archive: string, raw: string): L1g1Error {
  return errors.invalidArgument('file', `${archive}: entry "${raw}" refused: its path leaves the archive`, {
    reason: 'UNSAFE_ENTRY_PATH',
    metadata: { file: archive, entry: raw },
  });
}

/** An entry that is not a plain file (link, device) or cannot be read (encrypted). */
export function refusedEntryError(archive: string, entry: string, why: string): L1g1Error {
  return errors.invalidArgument('file', `${archive}: entry "${entry}" refused: ${why}`, {
    reason: 'UNSUPPORTED_ENTRY',
    metadata: { file: archive, entry },
  });
}
