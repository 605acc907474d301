import type { FileSource, ParsedRecord } from '../../domain/record';
import type { TextLine } from './line-reader';
import { malformedFile } from './malformed-file';
import { readBlocks } from './text-blocks';
import { resolveLimits } from './text-limits';
import type { TextDecodingOptions } from './text-options';
import { openText } from './text-source';

// Written here rather than taken from a subtitle package: the ones on npm
// either read the whole file or skip a cue with a bad timestamp silently,
// and neither says on which line; a cue is a few lines of grammar.

const SRT_TIME = /^(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{1,3})$/;
const VTT_TIME = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/;
const ARROW = /\s+-->\s+/;
const TAG = /<[^>]*>/g;
const ASS_OVERRIDE = /\{\\[^}]*\}/g;
const VOICE = /<v(?:\.[^\s>]*)?\s+([^>]+)>/;
const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&nbsp;': '\u00a0', '&lrm;': '\u200e', '&rlm;': '\u200f', '&quot;': '"', '&apos;': "'" };

type Dialect = 'srt' | 'vtt';

function timeUs(text: string, dialect: Dialect): number | undefined {
  const m = (dialect === 'srt' ? SRT_TIME : VTT_TIME).exec(text);
  if (!m) return undefined;
  const [, h, mi, s, frac] = m;
  return ((Number(h ?? 0) * 60 + Number(mi)) * 60 + Number(s)) * 1_000_000 + Number((frac ?? '').padEnd(3, '0')) * 1000;
}

interface Cue {
  id?: string;
  timing: TextLine;
  startUs: number;
  endUs: number;
  settings: string;
  text: TextLine[];
}

/** Splits a cue block into id, timing line and text; throws naming the line for anything else. */
function readCue(file: string, block: TextLine[], dialect: Dialect): Cue {
  const first = block[0] as TextLine;
  const timingAt = first.text.includes('-->') ? 0 : 1;
  const timing = block[timingAt];
  if (!timing || !timing.text.includes('-->')) {
    const at = timing ?? first;
    throw malformedFile(file, { line: at.line, byteOffset: at.byteOffset }, `expected a timing line "start --> end", found "${at.text.slice(0, 60)}"`, 'MALFORMED_CUE');
  }
  if (dialect === 'srt' && timingAt === 1 && !/^\d+$/.test(first.text.trim())) {
    throw malformedFile(file, { line: first.line, byteOffset: first.byteOffset }, `expected a cue number, found "${first.text.slice(0, 60)}"`, 'MALFORMED_CUE');
  }
  const [startText = '', rest = ''] = timing.text.trim().split(ARROW, 2);
  const [endText = '', ...settings] = rest.trim().split(/\s+/);
  const startUs = timeUs(startText.trim(), dialect);
  const endUs = timeUs(endText, dialect);
  const where = { line: timing.line, byteOffset: timing.byteOffset };
  if (startUs === undefined || endUs === undefined) {
    const bad = startUs === undefined ? startText : endText;
    const form = dialect === 'srt' ? 'HH:MM:SS,mmm' : '[HH:]MM:SS.mmm';
    throw malformedFile(file, where, `"${bad.slice(0, 40)}" is not a ${form} timestamp`, 'INVALID_TIMESTAMP');
  }
  if (endUs < startUs) throw malformedFile(file, where, 'the cue ends before it starts', 'INVALID_TIMESTAMP');
  for (const line of block.slice(timingAt + 1)) {
    if (line.text.includes('-->')) {
      throw malformedFile(file, { line: line.line, byteOffset: line.byteOffset }, 'a timing line inside a cue\'s text; cues are separated by a blank line', 'MALFORMED_CUE');
    }
  }
  return { id: timingAt === 1 ? first.text.trim() : undefined, timing, startUs, endUs, settings: settings.join(' '), text: block.slice(timingAt + 1) };
}

function plainText(lines: TextLine[]): string {
  return lines
    .map((l) => l.text.replace(ASS_OVERRIDE, '').replace(TAG, '').replace(/&(?:amp|lt|gt|nbsp|lrm|rlm|quot|apos);/g, (e) => ENTITIES[e] ?? e))
    .join('\n');
}

async function* parseCues(src: FileSource, options: TextDecodingOptions, dialect: Dialect, signal?: AbortSignal): AsyncGenerator<ParsedRecord> {
  const limits = resolveLimits(options);
  const text = await openText(src, options.encoding, signal);
  const blocks = readBlocks(text.bytes, { file: src.name, encoding: text.encoding, startOffset: text.bomBytes, maxLineBytes: limits.maxLineBytes, maxBlockBytes: limits.maxRecordBytes, signal });
  let index = 0;
  let header = dialect === 'vtt';
  for await (const block of blocks) {
    const first = block[0] as TextLine;
    if (header) {
      header = false;
      if (first.line !== 1 || !/^WEBVTT(?:[ \t].*)?$/.test(first.text)) {
        throw malformedFile(src.name, { line: first.line, byteOffset: first.byteOffset }, 'a WebVTT file starts with "WEBVTT" on its first line', 'MALFORMED_FILE');
      }
      continue;
    }
    // WebVTT comment, style and region blocks carry no cue.
    if (dialect === 'vtt' && /^(?:NOTE|STYLE|REGION)(?:[ \t]|$)/.test(first.text) && !first.text.includes('-->')) continue;
    const cue = readCue(src.name, block, dialect);
    index += 1;
    const metadata: Record<string, string> = { cue_index: String(index), end_us: String(cue.endUs), encoding: text.encoding };
    if (cue.id !== undefined) metadata['cue_id'] = cue.id;
    if (cue.settings) metadata['cue_settings'] = cue.settings;
    const voice = dialect === 'vtt' ? cue.text.map((l) => VOICE.exec(l.text)?.[1]?.trim()).find((v) => v !== undefined) : undefined;
    if (voice) metadata['voice'] = voice;
    yield {
      modality: 'timed_text',
      contentType: 'text/plain',
      data: plainText(cue.text),
      metadata,
      position: { line: first.line, byteOffset: first.byteOffset, startUs: cue.startUs, endUs: cue.endUs },
      timestampUs: cue.startUs,
    };
  }
  if (header) throw malformedFile(src.name, { line: 1, byteOffset: text.bomBytes }, 'a WebVTT file starts with "WEBVTT" on its first line', 'MALFORMED_FILE');
}

/**
 * SubRip (SRT): one `timed_text` record per cue, streamed. `data` is the
 * cue's text with formatting tags removed (lines joined by `\n`); position
 * `startUs`/`endUs` and `timestampUs` (= start, on the video's clock, as the
 * proto says), line and byte offset of the cue's first line; metadata
 * `cue_index` (1-based order), `cue_id` (the SRT number), `end_us`. A bad
 * timestamp or a block without a timing line fails naming the line.
 */
export function parseSrt(src: FileSource, options: TextDecodingOptions = {}, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  return parseCues(src, options, 'srt', signal);
}

/**
 * WebVTT: as `parseSrt`; the `WEBVTT` header and NOTE/STYLE/REGION blocks
 * are skipped, `cue_id` is the optional cue identifier, cue settings go to
 * metadata `cue_settings` and the first voice (`<v Name>`) to `voice`.
 */
export function parseVtt(src: FileSource, options: TextDecodingOptions = {}, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  return parseCues(src, options, 'vtt', signal);
}
