/**
 * An archive entry's path made safe to use as a name inside the upload:
 * backslashes become slashes, a leading `/` or drive letter is dropped
 * (absolute paths are read as relative to the archive), `.` segments go,
 * `..` segments resolve inside the archive. `undefined` when a `..` would
 * climb above the archive's root (`../x`, `a/../../x`): such an entry is
 * refused, never written anywhere. Also `undefined` for an empty path or one
 * with control characters (NUL and friends).
 */
export function safeEntryPath(raw: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f]/.test(raw)) return undefined;
  const unified = raw.replace(/\\/g, '/').replace(/^[A-Za-z]:(?=\/|$)/, '');
  const parts: string[] = [];
  for (const segment of unified.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(segment);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}
