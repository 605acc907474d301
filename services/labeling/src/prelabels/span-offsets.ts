/**
 * Code-point offsets (the tagger's, @l1g1/features `tokenize`) → UTF-16
 * offsets (labeling spans, as browsers count): they differ after every
 * astral character (emoji), which takes two UTF-16 units but one code point.
 */
export function codePointToUtf16(text: string): (codePoint: number) => number {
  // units[i] = UTF-16 index of code point i; one entry past the end for an exclusive end.
  const units: number[] = [];
  let unit = 0;
  for (const ch of text) {
    units.push(unit);
    unit += ch.length;
  }
  units.push(unit);
  return (codePoint) => units[Math.min(Math.max(codePoint, 0), units.length - 1)] as number;
}
