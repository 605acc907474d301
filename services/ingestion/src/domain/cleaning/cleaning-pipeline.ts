import type { ParsedRecord } from '../record';
import type { CleaningStep, StepContext, StepExample, StepReport } from './cleaning-step';
import { redactPii } from './pii/pii-detectors';

/** A record after the pipeline: kept (as the last step left it) or dropped by a named step. */
export type PipelineOutcome =
  | { readonly kind: 'kept'; readonly record: ParsedRecord }
  | { readonly kind: 'dropped'; readonly step: string; readonly reason: string; readonly detail?: string };

/** Every step's report, in order, and the totals. */
export interface PipelineReport {
  readonly input: number;
  readonly kept: number;
  readonly dropped: number;
  /** `step/reason` → records dropped there. */
  readonly droppedBy: Readonly<Record<string, number>>;
  readonly steps: readonly StepReport[];
}

export interface CleaningPipeline {
  /** Runs the steps in order; the first step that drops the record ends its run. */
  apply(record: ParsedRecord, context: StepContext): PipelineOutcome;
  report(): PipelineReport;
}

export interface CleaningPipelineOptions {
  /**
   * Whether report examples go through PII redaction (all kinds) before they
   * leave the pipeline; default true. Steps before `pii_redaction` show the
   * text as it was, and a report is stored with the snapshot and shown to
   * users, so by default it never carries an address or an ID number.
   */
  redactExamples?: boolean;
}

function redactExample(example: StepExample): StepExample {
  const clean = (text: string | undefined): string | undefined => (text === undefined ? undefined : redactPii(text).text);
  const before = clean(example.before);
  const after = clean(example.after);
  const detail = clean(example.detail);
  return {
    ...example,
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
    ...(detail === undefined ? {} : { detail }),
  };
}

/**
 * Ordered steps (the dataset's cleaning config) over a stream of records,
 * one at a time, so the caller controls memory and back-pressure. Reports
 * merge per step; a dropped record is not shown to the steps after it, so
 * each step's `seen` is what reached it.
 */
export function createCleaningPipeline(steps: readonly CleaningStep[], options: CleaningPipelineOptions = {}): CleaningPipeline {
  const redactExamples = options.redactExamples ?? true;
  let input = 0;
  let kept = 0;
  const droppedBy = new Map<string, number>();
  return {
    apply(record, context) {
      input += 1;
      let current = record;
      for (const step of steps) {
        const outcome = step.apply(current, context);
        if (outcome.kind === 'dropped') {
          const key = `${step.name}/${outcome.reason}`;
          droppedBy.set(key, (droppedBy.get(key) ?? 0) + 1);
          return {
            kind: 'dropped',
            step: step.name,
            reason: outcome.reason,
            ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
          };
        }
        current = outcome.record;
      }
      kept += 1;
      return { kind: 'kept', record: current };
    },
    report() {
      return {
        input,
        kept,
        dropped: input - kept,
        droppedBy: Object.fromEntries(droppedBy),
        steps: steps.map((step) => {
          const report = step.report();
          return redactExamples ? { ...report, examples: report.examples.map(redactExample) } : report;
        }),
      };
    },
  };
}
