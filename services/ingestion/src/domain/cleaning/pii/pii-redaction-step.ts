import { errors } from '@l1g1/kit';
import type { ParsedRecord } from '../../record';
import type { CleaningStep } from '../cleaning-step';
import { CONTENT_ID_KEY } from '../exact-dedupe';
import { StepReportBuilder } from '../step-report-builder';
import { PII_KINDS, redactPii, type PiiKind } from './pii-detectors';

export interface PiiRedactionOptions {
  /** Kinds to redact; default all of `PII_KINDS`. */
  kinds?: readonly PiiKind[];
}

/** Structured fields deeper than this are left as they are (parsers' rows are flat or shallow). */
const MAX_FIELD_DEPTH = 8;
/** Metadata our own steps write, never personal data. */
const UNTOUCHED_METADATA: ReadonlySet<string> = new Set([CONTENT_ID_KEY]);

/**
 * The `pii_redaction` step: e-mail, phone, IPv4/IPv6, payment cards (Luhn),
 * IBAN (MOD 97-10), China mainland mobiles, China resident IDs (MOD 11-2 and
 * birth date) become `[EMAIL]`, `[PHONE]`, ... in the text, in string values
 * of the structured fields and in metadata (a mail's `from` header is
 * personal data too). Look-alikes failing their checksum stay. The report
 * counts redactions per kind (`redacted_email`, ...) and its examples show the
 * redacted text only, never what was removed.
 */
/** One record's redaction tally: finds per kind, and each distinct string already redacted. */
interface RecordCounts {
  readonly byKind: Map<PiiKind, number>;
  readonly seen: Map<string, string>;
}

export function createPiiRedactionStep(options: PiiRedactionOptions = {}): CleaningStep {
  const kinds = options.kinds ?? PII_KINDS;
  for (const [i, kind] of kinds.entries()) {
    if (!PII_KINDS.includes(kind)) throw errors.invalidArgument(`kinds[${i}]`, `unknown PII kind "${String(kind)}"; known: ${PII_KINDS.join(', ')}`);
  }
  const builder = new StepReportBuilder('pii_redaction');
  /**
   * Redacts `text`, counting its finds once per record: a parser keeps the
   * record's text twice (`data` and the structured field it came from, e.g.
   * JSONL's `text`), and one e-mail address was reported as 2 or 3 redactions.
   * `counts` maps each string already seen in this record to its redaction.
   */
  const redact = (text: string, counts: RecordCounts): string => {
    const seen = counts.seen.get(text);
    if (seen !== undefined) return seen;
    const result = redactPii(text, kinds);
    for (const [kind, n] of Object.entries(result.counts) as [PiiKind, number][]) counts.byKind.set(kind, (counts.byKind.get(kind) ?? 0) + n);
    counts.seen.set(text, result.text);
    return result.text;
  };
  const redactValue = (value: unknown, depth: number, counts: RecordCounts): unknown => {
    if (typeof value === 'string') return redact(value, counts);
    if (depth >= MAX_FIELD_DEPTH || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, counts));
    if (value instanceof Uint8Array || value instanceof Date) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, depth + 1, counts)]));
  };
  return {
    name: 'pii_redaction',
    apply(record, context) {
      const recordCounts: RecordCounts = { byKind: new Map(), seen: new Map() };
      const counts = recordCounts.byKind;
      const data = typeof record.data === 'string' ? redact(record.data, recordCounts) : record.data;
      const metadata = Object.fromEntries(
        Object.entries(record.metadata).map(([k, v]) => [k, UNTOUCHED_METADATA.has(k) ? v : redact(v, recordCounts)]),
      );
      const fields = record.fields === undefined ? undefined : (redactValue(record.fields, 0, recordCounts) as Record<string, unknown>);
      if (counts.size === 0) {
        builder.recordKept(false);
        return { kind: 'kept', record };
      }
      for (const [kind, n] of counts) builder.count(`redacted_${kind}`, n);
      builder.recordKept(true);
      builder.example(record, context, {
        reason: 'changed',
        ...(typeof data === 'string' ? { after: data } : {}),
        detail: [...counts].map(([kind, n]) => `${n} ${kind}`).join(', '),
      });
      const redacted: ParsedRecord = { ...record, data, metadata, ...(fields === undefined ? {} : { fields }) };
      return { kind: 'kept', record: redacted };
    },
    report: () => builder.build(),
  };
}
