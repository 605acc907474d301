/**
 * `name@alias` / `name@3` and `dataset@3` as the CLI's flags spell them. The
 * gateway takes the same shorthand; they are checked here too so that a
 * typo is a usage error (exit 2) before any request.
 */
import { UsageError } from './cli-config';

/** `name`, `name@alias` or `name@version`: passed on as given once its shape is checked. */
export function modelFlag(value: string | undefined, flag = '--model'): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required (name, name@alias or name@version)`);
  if (!/^[^@\s]+(@[^@\s]+)?$/.test(value)) throw new UsageError(`${flag}: expected name, name@alias or name@version, got ${JSON.stringify(value)}`);
  return value;
}

/** `NAME` or `NAME@V` (snapshot V; absent: the latest). */
export function datasetFlag(value: string | undefined, flag = '--dataset'): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required (NAME or NAME@SNAPSHOT)`);
  if (!/^[a-z0-9][a-z0-9._-]*(@\d+)?$/.test(value)) throw new UsageError(`${flag}: expected NAME or NAME@SNAPSHOT, got ${JSON.stringify(value)}`);
  return value;
}
