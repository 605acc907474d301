import type { CleaningStep } from './cleaning-step';
import { createTextStep } from './text-step';

// Controls other than tab and newline, and the invisible characters that NFKC keeps but that only
// make equal texts differ (zero-width space, word joiner, BOM, soft hyphen). ZWJ/ZWNJ stay: they
// change how emoji and Persian/Indic text render.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u200B\u2060\uFEFF]/g;
const LINE_BREAKS = /\r\n?|[\u0085\u2028\u2029]/g;
const HORIZONTAL_SPACE_RUN = /[\t\p{Zs}]+/gu;
const SPACE_AROUND_NEWLINE = / ?\n ?/g;
const BLANK_LINE_RUN = /\n{3,}/g;

/**
 * Unicode NFKC, then whitespace: line breaks become `\n`, runs of spaces and
 * tabs one space, lines trimmed, at most one blank line in a row, the whole
 * trimmed. Idempotent, so the exact-dedupe hash can apply it again safely.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(LINE_BREAKS, '\n')
    .replace(INVISIBLE, '')
    .replace(HORIZONTAL_SPACE_RUN, ' ')
    .replace(SPACE_AROUND_NEWLINE, '\n')
    .replace(BLANK_LINE_RUN, '\n\n')
    .trim();
}

/** The `normalize_text` step: every text record through `normalizeText`. */
export function createNormalizeTextStep(): CleaningStep {
  return createTextStep('normalize_text', (text) => ({ kind: 'keep', text: normalizeText(text) }));
}
