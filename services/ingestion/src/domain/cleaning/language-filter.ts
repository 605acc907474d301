import { errors } from '@l1g1/kit';
import type { CleaningStep } from './cleaning-step';
import { detectScript, type Script } from './script-detector';
import { createTextStep } from './text-step';

export interface LanguageFilterOptions {
  /**
   * What to keep: language codes the detector can name (`zh`, `ja`, `ko`,
   * `el`, ...) and/or scripts (`latin`, `cyrillic`, `han`, ...). A text is
   * kept when its language or its dominant script is listed.
   */
  allow: readonly string[];
  /** Least share of letters in the dominant script (mixed texts below are `mixed_script`); default 0.5. */
  minShare?: number;
  /** Texts with fewer letters are kept as `undetermined` rather than judged; default 1. */
  minLetters?: number;
}

const KNOWN_SCRIPTS: ReadonlySet<string> = new Set<Script>([
  'latin', 'cyrillic', 'greek', 'arabic', 'hebrew', 'devanagari', 'thai',
  'han', 'kana', 'hangul', 'georgian', 'armenian', 'other',
]);
const KNOWN_LANGUAGES: ReadonlySet<string> = new Set(['zh', 'ja', 'ko', 'el', 'he', 'th', 'ka', 'hy']);

/**
 * ISO 639-1 codes of languages the detector can only name by their script
 * (see `script-detector.ts`): such a code keeps every text in that script.
 * `en` keeps Latin-script text, French included: the documented price of a
 * script-only detector, better than refusing the code users write first.
 */
const SCRIPT_OF_LANGUAGE: Readonly<Record<string, Script>> = Object.fromEntries([
  ...['en', 'fr', 'de', 'es', 'it', 'pt', 'nl', 'sv', 'da', 'no', 'nb', 'nn', 'fi', 'is', 'pl', 'cs', 'sk', 'sl', 'hr', 'bs', 'hu', 'ro', 'tr', 'id',
    'ms', 'vi', 'tl', 'sw', 'ca', 'eu', 'gl', 'ga', 'cy', 'et', 'lv', 'lt', 'sq', 'af', 'mt', 'eo', 'la', 'az', 'uz'].map((l) => [l, 'latin'] as const),
  ...['ru', 'uk', 'be', 'bg', 'mk', 'sr', 'kk', 'ky', 'mn', 'tg'].map((l) => [l, 'cyrillic'] as const),
  ...['ar', 'fa', 'ur', 'ps'].map((l) => [l, 'arabic'] as const),
  ...['hi', 'mr', 'ne', 'sa'].map((l) => [l, 'devanagari'] as const),
]);

/**
 * The language filter's allow list, checked: every entry a language the
 * detector names, an ISO 639-1 code of a known script, or a script.
 * INVALID_ARGUMENT naming `<field>[i]` otherwise. Upload and re-cleaning
 * both call it (through `cleaningSpecFromProto`), so they accept the same codes.
 */
export function checkLanguageAllowList(allow: readonly string[], field: string): void {
  for (const [i, entry] of allow.entries()) {
    if (!KNOWN_SCRIPTS.has(entry) && !KNOWN_LANGUAGES.has(entry) && SCRIPT_OF_LANGUAGE[entry] === undefined) {
      throw errors.invalidArgument(
        `${field}[${i}]`,
        `unknown language or script "${entry}"; use an ISO 639-1 code (${[...KNOWN_LANGUAGES].join(', ')}, or a code of a Latin, Cyrillic, Arabic or Devanagari language such as en, ru, ar, hi) or a script (${[...KNOWN_SCRIPTS].join(', ')})`,
      );
    }
  }
}

/**
 * The `language_filter` step, on the script-based detector (see
 * `script-detector.ts` for what it can and cannot tell). Drops with
 * `language_not_allowed` or `mixed_script`; texts without enough letters
 * (numbers, symbols) are kept and counted as `undetermined`.
 */
export function createLanguageFilterStep(options: LanguageFilterOptions): CleaningStep {
  if (options.allow.length === 0) throw errors.invalidArgument('allow', 'must list at least one language or script');
  checkLanguageAllowList(options.allow, 'allow');
  const minShare = options.minShare ?? 0.5;
  if (!(minShare >= 0 && minShare <= 1)) throw errors.invalidArgument('min_share', 'must be between 0 and 1');
  const minLetters = options.minLetters ?? 1;
  if (!Number.isInteger(minLetters) || minLetters < 1) throw errors.invalidArgument('min_letters', 'must be an integer >= 1');
  // A code known only by its script allows that script.
  const allow = new Set(options.allow.map((entry) => SCRIPT_OF_LANGUAGE[entry] ?? entry));
  const step = createTextStep('language_filter', (text) => {
    const detected = detectScript(text);
    if (detected.letters < minLetters) {
      step.builder.count('undetermined');
      return { kind: 'keep', text };
    }
    const label = `${detected.language} (${detected.script}, ${Math.round(detected.share * 100)}% of ${detected.letters} letters)`;
    if (detected.share < minShare) return { kind: 'drop', reason: 'mixed_script', detail: label };
    if (!allow.has(detected.language) && !allow.has(detected.script)) {
      return { kind: 'drop', reason: 'language_not_allowed', detail: label };
    }
    step.builder.count(`kept_${detected.language === 'und' ? detected.script : detected.language}`);
    return { kind: 'keep', text };
  });
  return step;
}
