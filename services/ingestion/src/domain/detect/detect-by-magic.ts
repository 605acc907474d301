import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { classifyZipByEntryNames, zipEntryNamesInHead } from './ooxml-kind';
import type { SourceFormatName } from './source-format';

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.byteLength < at + bytes.length) return false;
  return bytes.every((b, i) => head[at + i] === b);
}

function asciiAt(head: Uint8Array, text: string, at = 0): boolean {
  return startsWith(head, [...text].map((c) => c.charCodeAt(0)), at);
}

/** POSIX (`ustar\0`) and GNU (`ustar  \0`) tar headers both carry `ustar` at 257. */
function isTar(head: Uint8Array): boolean {
  return asciiAt(head, 'ustar', 257);
}

/**
 * The first bytes of a gzip stream's content. A truncated head inflates to
 * what it holds (sync flush), which is enough to see a tar header inside.
 */
function gunzipHead(head: Uint8Array): Uint8Array {
  try {
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 64 * 1024 });
  } catch {
    // Not inflatable as far as we have it (or past the cap): call it plain gzip; expansion reports the real fault.
    return new Uint8Array(0);
  }
}

/**
 * The format a file's first bytes prove, by their signatures (magic
 * numbers); `undefined` when none matches (text formats are sniffed
 * separately). Hand-written because the product's own mapping is the point:
 * docx/xlsx told from zip by part names, tar inside gzip, DICOM's preamble.
 */
export function detectFormatByMagic(head: Uint8Array): SourceFormatName | undefined {
  if (asciiAt(head, 'PK\x03\x04') || asciiAt(head, 'PK\x05\x06')) {
    return classifyZipByEntryNames(zipEntryNamesInHead(head));
  }
  if (startsWith(head, [0x1f, 0x8b])) return isTar(gunzipHead(head)) ? 'tar_gz' : 'gzip';
  if (isTar(head)) return 'tar';
  if (asciiAt(head, '%PDF-')) return 'pdf';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image_png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image_jpeg';
  if (asciiAt(head, 'RIFF') && asciiAt(head, 'WEBP', 8)) return 'image_webp';
  if ((asciiAt(head, 'RIFF') || asciiAt(head, 'RF64')) && asciiAt(head, 'WAVE', 8)) return 'audio_wav';
  if (asciiAt(head, 'DICM', 128)) return 'dicom';
  if (asciiAt(head, 'PAR1')) return 'parquet';
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole';
  return undefined;
}
