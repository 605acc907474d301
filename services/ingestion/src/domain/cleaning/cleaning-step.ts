import type { ParsedRecord } from '../record';

/** What one step did to one record: kept it (maybe changed) or dropped it, with a stable reason. */
export type StepOutcome =
  | { readonly kind: 'kept'; readonly record: ParsedRecord }
  | { readonly kind: 'dropped'; readonly reason: string; readonly detail?: string };

/** One example a report shows: where the record came from and what happened to it. */
export interface StepExample {
  /** `changed` or the drop reason (`too_short`, `near_duplicate`, ...). */
  readonly reason: string;
  /** The record's source file. */
  readonly file: string;
  /** Its position, rendered (`line 4`, `row 2`, `page 3`, `byte 120`). */
  readonly position: string;
  /** A short excerpt of the text before the step (omitted where it would leak, e.g. PII). */
  readonly before?: string;
  /** A short excerpt after the step (changes only). */
  readonly after?: string;
  /** Why, in words (`jaccard 0.91 with a.txt line 3`). */
  readonly detail?: string;
}

/** What a step knows besides the record: the file it came from (records do not carry it). */
export interface StepContext {
  /** Path inside the upload (`archive.zip/dir/file.csv`). */
  readonly file: string;
}

/** What a step did over everything it saw: counts and a few examples, never the whole data. */
export interface StepReport {
  readonly step: string;
  readonly seen: number;
  readonly kept: number;
  /** Kept records whose content the step changed. */
  readonly changed: number;
  readonly dropped: number;
  readonly droppedByReason: Readonly<Record<string, number>>;
  /** Step-specific tallies (PII matches per kind, records passed through untouched, ...). */
  readonly counters: Readonly<Record<string, number>>;
  readonly examples: readonly StepExample[];
}

/**
 * A cleaning step (datatrove's pipeline steps, with per-step stats): pure,
 * synchronous, holding only its own bounded state (dedupe indexes, counters).
 * A step is created per run of a pipeline and is not shared between runs.
 */
export interface CleaningStep {
  /** Stable name, used in reports and configs (`normalize_text`, `exact_dedupe`). */
  readonly name: string;
  apply(record: ParsedRecord, context: StepContext): StepOutcome;
  report(): StepReport;
}

/**
 * A step whose work is asynchronous (decoding an image with a native
 * library). Async steps run before the synchronous ones, in their own order,
 * and report the same way.
 */
export interface AsyncCleaningStep {
  readonly name: string;
  apply(record: ParsedRecord, context: StepContext): Promise<StepOutcome>;
  report(): StepReport;
}
