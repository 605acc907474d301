import type { ParsedRecord } from '../record';
import type { CleaningStep, StepContext, StepOutcome, StepReport } from './cleaning-step';
import { StepReportBuilder } from './step-report-builder';

/** What a text step decides for one text: the new text, or a drop. */
export type TextDecision =
  | { readonly kind: 'keep'; readonly text: string; readonly detail?: string }
  | { readonly kind: 'drop'; readonly reason: string; readonly detail?: string };

/** Counter set on records a text step let through untouched because their payload is binary. */
export const PASSED_THROUGH_BINARY = 'passed_through_binary';

/**
 * The shape shared by the steps that read text (normalise, strip HTML,
 * length, language): binary payloads (images, audio) pass through untouched
 * and are counted, text goes through `decide`, and changes and drops are
 * reported with an example. `showText` false keeps the text out of examples.
 */
export function createTextStep(
  name: string,
  decide: (text: string, record: ParsedRecord) => TextDecision,
  options: { showText?: boolean; maxExamplesPerReason?: number } = {},
): CleaningStep & { readonly builder: StepReportBuilder } {
  const builder = new StepReportBuilder(name, options.maxExamplesPerReason);
  const showText = options.showText ?? true;
  return {
    name,
    builder,
    apply(record: ParsedRecord, context: StepContext): StepOutcome {
      if (typeof record.data !== 'string') {
        builder.recordKept(false);
        builder.count(PASSED_THROUGH_BINARY);
        return { kind: 'kept', record };
      }
      const decision = decide(record.data, record);
      if (decision.kind === 'drop') {
        builder.recordDropped(decision.reason);
        builder.example(record, context, {
          reason: decision.reason,
          ...(showText ? { before: record.data } : {}),
          ...(decision.detail === undefined ? {} : { detail: decision.detail }),
        });
        return { kind: 'dropped', reason: decision.reason, ...(decision.detail === undefined ? {} : { detail: decision.detail }) };
      }
      const changed = decision.text !== record.data;
      builder.recordKept(changed);
      if (!changed) return { kind: 'kept', record };
      builder.example(record, context, {
        reason: 'changed',
        ...(showText ? { before: record.data } : {}),
        after: decision.text,
        ...(decision.detail === undefined ? {} : { detail: decision.detail }),
      });
      return { kind: 'kept', record: { ...record, data: decision.text } };
    },
    report: (): StepReport => builder.build(),
  };
}
