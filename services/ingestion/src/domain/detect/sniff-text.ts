import type { SourceFormatName } from './source-format';

/** How much of the head the text sniff reads: enough for a header row or a mail's first headers. */
export const TEXT_SNIFF_BYTES = 1024;

/** Header names that make a block of `Name: value` lines a mail rather than any colon-separated text. */
const MAIL_HEADERS = new Set([
  'from', 'to', 'cc', 'subject', 'date', 'received', 'return-path', 'message-id',
  'mime-version', 'delivered-to', 'reply-to', 'sender', 'content-type', 'in-reply-to', 'references',
]);

const SRT_TIMING = /^\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s+-->\s+\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}/;

/** The head decoded as text, or `undefined` when it is binary (NUL bytes without a UTF-16 BOM). */
function decodeHead(head: Uint8Array): string | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder('utf-16le').decode(head.subarray(2));
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder('utf-16be').decode(head.subarray(2));
  if (head.includes(0)) return undefined;
  // Not fatal: legacy encodings (GBK, Shift-JIS, Latin-1) are still text; only their parser decodes them.
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(head);
}

function isMailHeaderBlock(lines: readonly string[]): boolean {
  let headers = 0;
  let known = 0;
  for (const line of lines) {
    if (line === '') break;
    if (/^[ \t]/.test(line) && headers > 0) continue; // folded continuation of the previous header
    const match = /^([!-9;-~]+):/.exec(line);
    if (match === null) return false;
    headers += 1;
    if (MAIL_HEADERS.has((match[1] ?? '').toLowerCase())) known += 1;
  }
  return headers >= 2 && known >= 1;
}

/** Counts `delimiter` outside double quotes. */
function countOutsideQuotes(line: string, delimiter: string): number {
  let inQuotes = false;
  let count = 0;
  for (const c of line) {
    if (c === '"') inQuotes = !inQuotes;
    else if (c === delimiter && !inQuotes) count += 1;
  }
  return count;
}

/** The same non-zero number of delimiters on every complete line (at least two lines). */
function delimitedBy(lines: readonly string[]): ',' | '\t' | ';' | undefined {
  const rows = lines.filter((l) => l.trim() !== '');
  if (rows.length < 2) return undefined;
  for (const delimiter of ['\t', ',', ';'] as const) {
    const first = countOutsideQuotes(rows[0] ?? '', delimiter);
    if (first > 0 && rows.every((r) => countOutsideQuotes(r, delimiter) === first)) return delimiter;
  }
  return undefined;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function sniffJson(text: string, lines: readonly string[], whole: boolean): 'json' | 'jsonl' | undefined {
  const first = text.trimStart()[0];
  if (first === '[') return 'json';
  if (first !== '{') return undefined;
  const rows = lines.filter((l) => l.trim() !== '');
  const firstRow = rows[0] ?? '';
  // A multi-line object is JSON; one object per line is JSONL (a single line stays JSON unless its name says otherwise).
  if (!parsesAsJson(firstRow)) return 'json';
  if (rows.length >= 2 || !whole) return (rows[1] ?? '{').trimStart().startsWith('{') ? 'jsonl' : 'json';
  return 'json';
}

/**
 * What a text file's first KB looks like: subtitles, mail, mbox, JSON,
 * JSONL, HTML, CSV/TSV, Markdown, else plain text; `undefined` for binary.
 * `whole` says the head is the entire file (its last line is complete).
 */
export function sniffTextFormat(head: Uint8Array, whole: boolean): SourceFormatName | undefined {
  const decoded = decodeHead(head.subarray(0, TEXT_SNIFF_BYTES));
  if (decoded === undefined) return undefined;
  const text = decoded.replace(/^\uFEFF/, '');
  const all = text.split(/\r?\n/);
  // The head may end mid-line: judge only complete lines unless it is the whole file.
  const lines = whole && head.byteLength <= TEXT_SNIFF_BYTES ? all : all.slice(0, -1);
  const firstLine = lines[0] ?? '';

  if (/^WEBVTT(?:[ \t]|$)/.test(firstLine)) return 'subtitle_vtt';
  if (/^\d+\s*$/.test(firstLine) && SRT_TIMING.test(lines[1] ?? '')) return 'subtitle_srt';
  // mbox's separator line: `From <sender> <date>`, the date ending in a year.
  if (/^From \S+ .*\b\d{4}\s*$/.test(firstLine)) return 'mbox';
  if (isMailHeaderBlock(lines)) return 'email_rfc822';
  const json = sniffJson(text, lines, whole);
  if (json !== undefined) return json;
  if (/^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(text) || /<html[\s>]/i.test(text)) return 'html';
  const delimiter = delimitedBy(lines.slice(0, 10));
  if (delimiter !== undefined) return delimiter === '\t' ? 'tsv' : 'csv';
  if (lines.some((l) => /^(?:#{1,6} \S|```|\* \S|- \[[ xX]\] )/.test(l) || /\[[^\]]+\]\([^)]+\)/.test(l))) return 'markdown';
  return 'text';
}
