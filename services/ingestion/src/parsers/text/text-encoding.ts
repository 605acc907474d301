import { analyse } from 'chardet';
import { errors } from '@l1g1/kit';
import { malformedFile } from './malformed-file';

/** How a text file's encoding was decided, in the order tried. */
export type EncodingSource = 'bom' | 'declared' | 'detected';

export interface DetectedEncoding {
  /** WHATWG name `TextDecoder` takes: utf-8, utf-16le, utf-16be, gbk, shift_jis, windows-1252 ... */
  encoding: string;
  source: EncodingSource;
  /** Bytes of byte-order mark to skip (0 when none). */
  bomBytes: number;
}

/**
 * chardet's names → WHATWG labels, only for encodings we decode with
 * confidence. Others it may guess from a short sample (ISO-8859-2 for French,
 * KOI8-R for random bytes) are skipped: a wrong guess silently mangles text,
 * and a caller who knows better can declare the encoding.
 */
const DETECTABLE: Readonly<Record<string, string>> = {
  'UTF-8': 'utf-8',
  'UTF-16LE': 'utf-16le',
  'UTF-16BE': 'utf-16be',
  GB18030: 'gb18030',
  Shift_JIS: 'shift_jis',
  'EUC-JP': 'euc-jp',
  'EUC-KR': 'euc-kr',
  Big5: 'big5',
  'ISO-8859-1': 'windows-1252',
  'windows-1252': 'windows-1252',
};

/**
 * The WHATWG name for a label a caller declared (`latin1`, `GBK`, `Shift-JIS`,
 * `cp1252` ...), or INVALID_ARGUMENT naming `field` when Node's ICU knows no
 * such encoding. `utf-16` alone means little-endian, as in WHATWG.
 */
export function normalizeEncodingLabel(label: string, field = 'encoding'): string {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    throw errors.invalidArgument(field, `unknown text encoding "${label.slice(0, 64)}"`, { reason: 'UNKNOWN_ENCODING' });
  }
}

function bomOf(sample: Uint8Array): DetectedEncoding | undefined {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', source: 'bom', bomBytes: 3 };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', source: 'bom', bomBytes: 2 };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', source: 'bom', bomBytes: 2 };
  return undefined;
}

/** True when `sample` is valid UTF-8, allowing a sequence cut by the sample's end when more bytes follow. */
function isUtf8(sample: Uint8Array, complete: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides a file's encoding from its first bytes: a byte-order mark wins
 * (as in WHATWG decoding), then the caller's declared encoding, then valid
 * UTF-8, then chardet's best guess among the encodings it tells apart
 * reliably. When nothing fits, the file is refused (UNDETECTED_ENCODING)
 * rather than decoded wrong.
 *
 * @param sample the first bytes of the file (64 KiB is plenty)
 * @param complete whether `sample` is the whole file
 */
export function detectEncoding(file: string, sample: Uint8Array, complete: boolean, declared?: string): DetectedEncoding {
  const bom = bomOf(sample);
  if (bom) return bom;
  if (declared !== undefined && declared.trim() !== '') return { encoding: normalizeEncodingLabel(declared), source: 'declared', bomBytes: 0 };
  if (isUtf8(sample, complete)) return { encoding: 'utf-8', source: 'detected', bomBytes: 0 };
  for (const match of analyse(sample)) {
    const encoding = DETECTABLE[match.name];
    if (encoding !== undefined && encoding !== 'utf-8') return { encoding, source: 'detected', bomBytes: 0 };
  }
  throw malformedFile(file, { byteOffset: 0 }, 'the text encoding could not be detected; declare it (e.g. encoding "latin1", "gbk", "shift_jis")', 'UNDETECTED_ENCODING');
}
