import { errors, type L1g1Error } from '@l1g1/kit';
import type { Position } from '../../domain/record';

/** Where in a file a fault was found; the same coordinates as a record's `Position`. */
export type FaultPosition = Pick<Position, 'line' | 'row' | 'byteOffset'> & {
  /** A column name (CSV) or a field path (JSON) the fault is in. */
  column?: string;
};

/**
 * The one way a text parser reports a bad file: INVALID_ARGUMENT with a
 * reason a caller can branch on, a message naming the file and the position
 * (so a user can open the file there), and the same facts as strings in
 * `metadata` so the upload report can list them without parsing the message.
 */
export function malformedFile(file: string, position: FaultPosition, problem: string, reason = 'MALFORMED_FILE', cause?: unknown): L1g1Error {
  const where: string[] = [];
  const metadata: Record<string, string> = { file };
  if (position.line !== undefined) {
    where.push(`line ${position.line}`);
    metadata['line'] = String(position.line);
  }
  if (position.row !== undefined) {
    where.push(`row ${position.row}`);
    metadata['row'] = String(position.row);
  }
  if (position.column !== undefined) {
    where.push(`column "${position.column}"`);
    metadata['column'] = position.column;
  }
  if (position.byteOffset !== undefined) {
    where.push(`byte offset ${position.byteOffset}`);
    metadata['byte_offset'] = String(position.byteOffset);
  }
  const at = where.length > 0 ? ` at ${where.join(', ')}` : '';
  return errors.invalidArgument('', `${file}${at}: ${problem}`, { reason, metadata, cause });
}
