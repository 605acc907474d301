import { detectFormatByMagic } from './detect-by-magic';
import { detectFormatByName } from './detect-by-name';
import { zipListingInHead } from './ooxml-kind';
import { sniffTextFormat } from './sniff-text';
import type { SourceFormatName } from './source-format';

/** How many leading bytes detection wants (DICOM's magic sits at 128, tar's at 257, OOXML part names a little further). */
export const DETECT_HEAD_BYTES = 4096;

export interface DetectInput {
  /** The file's path inside the upload; only its extension is used. */
  name: string;
  /** The file's first bytes (up to {@link DETECT_HEAD_BYTES}). */
  head: Uint8Array;
  /** True when `head` is the whole file, so its last line is complete. */
  whole: boolean;
  /** A format the client declared: taken as it is. */
  declared?: SourceFormatName;
}

export interface DetectedFormat {
  format: SourceFormatName;
  /** What decided: the client's declaration, the bytes, or the name. */
  by: 'declared' | 'content' | 'name';
}

/** Text formats a name can refine: the sniff only guesses between them, the name is the author's word. */
const NAME_REFINES: ReadonlySet<SourceFormatName> = new Set([
  'json', 'jsonl', 'csv', 'tsv', 'markdown', 'html', 'subtitle_srt', 'subtitle_vtt', 'email_rfc822', 'mbox',
]);

/**
 * A file's format, by content first (magic bytes, then a sniff of the first
 * KB of text), then by name. Signatures always beat the name (a PNG named
 * `.csv` is a PNG); a specific text extension beats the text sniff's guess
 * (`.csv` with one column looks like plain text); `.txt` or no extension
 * leaves the sniff's answer.
 */
export function detectFormat(input: DetectInput): DetectedFormat {
  if (input.declared !== undefined && input.declared !== 'unknown') return { format: input.declared, by: 'declared' };
  const byName = detectFormatByName(input.name);
  const byMagic = detectFormatByMagic(input.head);
  if (byMagic !== undefined) {
    // A zip whose head did not list all its parts may still be a document: its name says.
    if (byMagic === 'zip' && (byName === 'docx' || byName === 'xlsx') && !zipListingInHead(input.head).complete) {
      return { format: byName, by: 'name' };
    }
    return { format: byMagic, by: 'content' };
  }
  const sniffed = sniffTextFormat(input.head, input.whole);
  if (sniffed === undefined) return { format: byName, by: 'name' };
  if (NAME_REFINES.has(byName)) return { format: byName, by: 'name' };
  return { format: sniffed, by: 'content' };
}
