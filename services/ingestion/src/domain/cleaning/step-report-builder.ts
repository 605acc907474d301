import type { ParsedRecord, Position } from '../record';
import type { StepContext, StepExample, StepReport } from './cleaning-step';

/** How many examples a report keeps per reason; a report must stay small whatever the data. */
export const DEFAULT_EXAMPLES_PER_REASON = 3;
/** Excerpts are cut to this many characters (code points). */
export const EXAMPLE_EXCERPT_CHARS = 120;

/** `line 4`, `row 2 of Sheet1`, `page 3`, `byte 120`, `0.5 s - 1.2 s`: the first coordinates known. */
export function describePosition(position: Position): string {
  const parts: string[] = [];
  if (position.sheet !== undefined) parts.push(`sheet ${position.sheet}`);
  if (position.page !== undefined) parts.push(`page ${position.page}`);
  if (position.row !== undefined) parts.push(`row ${position.row}`);
  if (position.line !== undefined) parts.push(`line ${position.line}`);
  if (position.byteOffset !== undefined) parts.push(`byte ${position.byteOffset}`);
  if (position.startUs !== undefined) {
    const end = position.endUs === undefined ? '' : ` - ${position.endUs / 1e6} s`;
    parts.push(`${position.startUs / 1e6} s${end}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'whole file';
}

export function excerpt(text: string, maxChars = EXAMPLE_EXCERPT_CHARS): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars).join('')}…`;
}

/**
 * The bookkeeping every step shares: counts, drop reasons, named counters and
 * a bounded set of examples (the first few per reason, so a report's size does
 * not grow with the data).
 */
export class StepReportBuilder {
  private seen = 0;
  private kept = 0;
  private changed = 0;
  private dropped = 0;
  private readonly droppedByReason = new Map<string, number>();
  private readonly counters = new Map<string, number>();
  private readonly examples: StepExample[] = [];
  private readonly examplesPerReason = new Map<string, number>();

  constructor(
    private readonly step: string,
    private readonly maxExamplesPerReason = DEFAULT_EXAMPLES_PER_REASON,
  ) {}

  recordKept(changed: boolean): void {
    this.seen += 1;
    this.kept += 1;
    if (changed) this.changed += 1;
  }

  recordDropped(reason: string): void {
    this.seen += 1;
    this.dropped += 1;
    this.droppedByReason.set(reason, (this.droppedByReason.get(reason) ?? 0) + 1);
  }

  count(counter: string, by = 1): void {
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + by);
  }

  /** Keeps the example only while its reason has fewer than the limit. */
  example(record: ParsedRecord, context: StepContext, example: Omit<StepExample, 'file' | 'position'>): void {
    const shown = this.examplesPerReason.get(example.reason) ?? 0;
    if (shown >= this.maxExamplesPerReason) return;
    this.examplesPerReason.set(example.reason, shown + 1);
    this.examples.push({
      ...example,
      ...(example.before === undefined ? {} : { before: excerpt(example.before) }),
      ...(example.after === undefined ? {} : { after: excerpt(example.after) }),
      file: context.file,
      position: describePosition(record.position),
    });
  }

  build(): StepReport {
    return {
      step: this.step,
      seen: this.seen,
      kept: this.kept,
      changed: this.changed,
      dropped: this.dropped,
      droppedByReason: Object.fromEntries(this.droppedByReason),
      counters: Object.fromEntries(this.counters),
      examples: [...this.examples],
    };
  }
}
