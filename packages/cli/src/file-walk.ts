import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';

export interface InputFile {
  /** Where it is on this machine. */
  path: string;
  /** The name sent: relative to the folder given (with that folder's name first), `/`-separated. */
  name: string;
  sizeBytes: number;
}

/** Most files one `ingest` walks; a folder with more is refused rather than read for ever. */
export const MAX_FILES = 100_000;

/**
 * Expands the arguments into files: a file is itself; a folder is every
 * regular file below it (hidden entries skipped), sorted so that uploads of
 * the same folder are byte-identical (and so idempotent at the service).
 */
export async function walkInputs(inputs: readonly string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const input of inputs) {
    const s = await stat(input);
    if (s.isFile()) {
      out.push({ path: input, name: basename(input), sizeBytes: s.size });
      continue;
    }
    if (!s.isDirectory()) continue;
    const root = input.replace(/[\\/]+$/, '');
    const stack = [root];
    const found: InputFile[] = [];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.name.startsWith('.')) continue;
        const full = join(dir, e.name);
        if (e.isDirectory()) stack.push(full);
        else if (e.isFile()) {
          const rel = relative(root, full).split(sep).join('/');
          found.push({ path: full, name: `${basename(root)}/${rel}`, sizeBytes: (await stat(full)).size });
          if (out.length + found.length > MAX_FILES) throw new Error(`more than ${MAX_FILES} files under ${input}`);
        }
      }
    }
    found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out.push(...found);
  }
  return out;
}
