/**
 * The last folder of a relative path (`mail/spam/0001.txt` → `spam`), or
 * undefined for a top-level file: what `label_from_folder` makes a file's
 * records' label (the common layout of class-per-folder corpora).
 */
export function folderLabel(path: string): string | undefined {
  const parts = path.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}
