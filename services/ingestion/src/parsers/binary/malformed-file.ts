import { errors, type L1g1Error } from '@l1g1/kit';
import type { Position } from '../../domain/record';

/** Longest library message kept in an answer: enough to act on, never a dump. */
const MAX_DETAIL_CHARS = 200;

/**
 * The one error every binary parser throws for a file it cannot read:
 * INVALID_ARGUMENT, reason MALFORMED_FILE (or a more specific one), a message
 * naming the file and where in it, and `metadata` with `file` plus each known
 * position field as a string, so the upload report can point at the spot.
 */
export function malformedFile(
  file: string,
  what: string,
  position: Position = {},
  options: { reason?: string; cause?: unknown } = {},
): L1g1Error {
  const metadata: Record<string, string> = { file };
  const where: string[] = [];
  for (const [key, value] of Object.entries(position) as Array<[keyof Position, string | number | undefined]>) {
    if (value === undefined) continue;
    metadata[key] = String(value);
    where.push(`${POSITION_WORDS[key]} ${value}`);
  }
  const at = where.length > 0 ? ` at ${where.join(', ')}` : '';
  return errors.invalidArgument('', `${file}${at}: ${what}`, {
    reason: options.reason ?? 'MALFORMED_FILE',
    metadata,
    cause: options.cause,
  });
}

/** A library's own message, shortened; libraries parse bytes we handed them, so it names no path. */
export function libraryDetail(err: unknown): string {
  const text =
    err instanceof Error ? err.message : typeof err === 'string' ? err : 'unreadable content';
  const line = text.split('\n')[0] ?? '';
  return line.length > MAX_DETAIL_CHARS ? `${line.slice(0, MAX_DETAIL_CHARS)}…` : line;
}

const POSITION_WORDS: Readonly<Record<keyof Position, string>> = {
  line: 'line',
  row: 'row',
  sheet: 'sheet',
  page: 'page',
  byteOffset: 'byte offset',
  startUs: 'start µs',
  endUs: 'end µs',
};
