/**
 * A deliberately small language detector, by Unicode script only. It is
 * honest about what script can tell: Japanese (kana), Korean (Hangul),
 * Chinese (Han without kana), Thai, Greek, Hebrew, Georgian, Armenian are
 * identified; Latin, Cyrillic, Arabic and Devanagari texts are reported by
 * script with language `und` (undetermined), because telling English from
 * German, or Russian from Ukrainian, needs a statistical model (franc's
 * trigrams), which this is not. Written by hand because the maintained
 * detectors (franc, franc-min) are ESM-only and this workspace builds CommonJS.
 */

/** The scripts counted; anything else with letters counts as `other`. */
export type Script =
  | 'latin' | 'cyrillic' | 'greek' | 'arabic' | 'hebrew' | 'devanagari' | 'thai'
  | 'han' | 'kana' | 'hangul' | 'georgian' | 'armenian' | 'other';

const SCRIPT_PATTERNS: readonly (readonly [Exclude<Script, 'other'>, RegExp])[] = [
  ['latin', /\p{Script=Latin}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['greek', /\p{Script=Greek}/u],
  ['arabic', /\p{Script=Arabic}/u],
  ['hebrew', /\p{Script=Hebrew}/u],
  ['devanagari', /\p{Script=Devanagari}/u],
  ['thai', /\p{Script=Thai}/u],
  ['han', /\p{Script=Han}/u],
  ['kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['hangul', /\p{Script=Hangul}/u],
  ['georgian', /\p{Script=Georgian}/u],
  ['armenian', /\p{Script=Armenian}/u],
];
const LETTER = /\p{L}/u;

/** Languages a script identifies on its own (ISO 639-1). */
const LANGUAGE_OF_SCRIPT: Readonly<Partial<Record<Script, string>>> = {
  greek: 'el',
  hebrew: 'he',
  thai: 'th',
  hangul: 'ko',
  georgian: 'ka',
  armenian: 'hy',
};

export interface ScriptDetection {
  /** The script with the most letters (`other` when none of the known ones, `none` without letters). */
  readonly script: Script | 'none';
  /** ISO 639-1 code where the scripts decide it, else `und`. */
  readonly language: string;
  /** Letters counted (at most the sample size). */
  readonly letters: number;
  /** Share of those letters in the dominant script, 0..1 (kana + Han together for Japanese). */
  readonly share: number;
}

/** Letters beyond this many are not looked at: the first few thousand decide a script. */
export const DEFAULT_SAMPLE_LETTERS = 2000;

export function detectScript(text: string, sampleLetters = DEFAULT_SAMPLE_LETTERS): ScriptDetection {
  const counts = new Map<Script, number>();
  let letters = 0;
  for (const ch of text) {
    if (letters >= sampleLetters) break;
    if (!LETTER.test(ch)) continue;
    letters += 1;
    const script = SCRIPT_PATTERNS.find(([, pattern]) => pattern.test(ch))?.[0] ?? 'other';
    counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  if (letters === 0) return { script: 'none', language: 'und', letters: 0, share: 0 };
  const kana = counts.get('kana') ?? 0;
  const han = counts.get('han') ?? 0;
  // Japanese mixes kana and kanji (Han); any real share of kana marks it Japanese, not Chinese.
  if (kana > 0 && kana >= 0.1 * (kana + han)) {
    return { script: 'kana', language: 'ja', letters, share: (kana + han) / letters };
  }
  let best: Script = 'other';
  let bestCount = -1;
  for (const [script, count] of counts) {
    if (count > bestCount) {
      best = script;
      bestCount = count;
    }
  }
  const language = best === 'han' ? 'zh' : (LANGUAGE_OF_SCRIPT[best] ?? 'und');
  return { script: best, language, letters, share: bestCount / letters };
}
