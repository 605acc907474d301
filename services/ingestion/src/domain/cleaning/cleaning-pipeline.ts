import type { ParsedRecord } from '../record';
import type { AsyncCleaningStep, CleaningStep, StepContext, StepExample, StepReport } from './cleaning-step';
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
  /** Whether it has async steps (then only `applyAsync` runs it). */
  readonly hasAsyncSteps: boolean;
  /** Runs the steps in order; the first step that drops the record ends its run. Refused when the pipeline has async steps. */
  apply(record: ParsedRecord, context: StepContext): PipelineOutcome;
  /** The async steps (`asyncSteps`), then the synchronous ones; works for every pipeline. */
  applyAsync(record: ParsedRecord, context: StepContext): Promise<PipelineOutcome>;
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
  /** Steps run before the synchronous ones, awaited one record at a time (image normalisation). */
  asyncSteps?: readonly AsyncCleaningStep[];
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
  const asyncSteps = options.asyncSteps ?? [];
  let input = 0;
  let kept = 0;
  const droppedBy = new Map<string, number>();
  const drop = (name: string, outcome: { reason: string; detail?: string }): PipelineOutcome => {
    const key = `${name}/${outcome.reason}`;
    droppedBy.set(key, (droppedBy.get(key) ?? 0) + 1);
    return { kind: 'dropped', step: name, reason: outcome.reason, ...(outcome.detail === undefined ? {} : { detail: outcome.detail }) };
  };
  const applySync = (record: ParsedRecord, context: StepContext): PipelineOutcome => {
    let current = record;
    for (const step of steps) {
      const outcome = step.apply(current, context);
      if (outcome.kind === 'dropped') return drop(step.name, outcome);
      current = outcome.record;
    }
    kept += 1;
    return { kind: 'kept', record: current };
  };
  return {
    hasAsyncSteps: asyncSteps.length > 0,
    apply(record, context) {
      // A caller skipping the async steps would publish un-normalised records: our bug, caught loudly.
      if (asyncSteps.length > 0) throw new Error('this cleaning pipeline has async steps: call applyAsync');
      input += 1;
      return applySync(record, context);
    },
    async applyAsync(record, context) {
      input += 1;
      let current = record;
      for (const step of asyncSteps) {
        const outcome = await step.apply(current, context);
        if (outcome.kind === 'dropped') return drop(step.name, outcome);
        current = outcome.record;
      }
      return applySync(current, context);
    },
    report() {
      return {
        input,
        kept,
        dropped: input - kept,
        droppedBy: Object.fromEntries(droppedBy),
        steps: [...asyncSteps, ...steps].map((step) => {
          const report = step.report();
          return redactExamples ? { ...report, examples: report.examples.map(redactExample) } : report;
        }),
      };
    },
  };
}
