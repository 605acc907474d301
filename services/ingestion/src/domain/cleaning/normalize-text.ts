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

const SPACE = 0x20;
const LINE_FEED = 0x0a;

/**
 * True when `normalizeText` would return `text` unchanged because it is
 * printable ASCII (NFKC-stable, no invisible characters) already in the
 * whitespace form: single spaces, no space next to a line feed, at most two
 * line feeds in a row, nothing to trim. Most machine-made text is, and the
 * full path (NFKC through ICU, five regular expressions, five copies) is most
 * of exact dedupe's cost: this one pass skips it. Anything else takes the
 * full path, so the result never differs.
 */
export function isNormalAscii(text: string): boolean {
  const last = text.length - 1;
  let previous = 0;
  let feeds = 0;
  for (let i = 0; i <= last; i += 1) {
    const c = text.charCodeAt(i);
    if (c === LINE_FEED) {
      feeds += 1;
      if (i === 0 || i === last || previous === SPACE || feeds > 2) return false;
    } else if (c === SPACE) {
      if (i === 0 || i === last || previous === SPACE || previous === LINE_FEED) return false;
      feeds = 0;
    } else if (c > SPACE && c < 0x7f) {
      feeds = 0;
    } else {
      return false;
    }
    previous = c;
  }
  return true;
}

/**
 * Unicode NFKC, then whitespace: line breaks become `\n`, runs of spaces and
 * tabs one space, lines trimmed, at most one blank line in a row, the whole
 * trimmed. Idempotent, so the exact-dedupe hash can apply it again safely.
 */
export function normalizeText(text: string): string {
  if (isNormalAscii(text)) return text;
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
