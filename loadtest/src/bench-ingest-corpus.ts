import { createWriteStream, createReadStream, statSync } from 'node:fs';
import { once } from 'node:events';
import type { FileSource } from '@l1g1/ingestion';

/** sfc32, seeded: the same corpus on every run. */
export function seededRandom(seed: number): () => number {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (((c << 21) | (c >>> 11)) + t) >>> 0;
    return t / 0x1_0000_0000;
  };
}

export interface JsonlCorpusOptions {
  /** Target size; the file ends at the first line past it. */
  sizeBytes: number;
  /** Share of lines whose text repeats an earlier line's (exact duplicates). */
  duplicateShare?: number;
  /** Words per text; about 6.5 bytes each. */
  words?: number;
}

/**
 * Writes a JSONL file like the ones users ingest: `{"id","text","source","lang","score"}`,
 * prose of made-up words, one line in 20 with non-ASCII text (accents, CJK) so
 * the UTF-8 and NFKC paths are exercised, and a share of exact duplicates.
 * Streams to disk (bounded memory whatever the size). Returns the file's size and line count.
 */
export async function writeJsonlCorpus(path: string, o: JsonlCorpusOptions): Promise<{ sizeBytes: number; lines: number }> {
  const random = seededRandom(7);
  const words = o.words ?? 40;
  const duplicateShare = o.duplicateShare ?? 0.1;
  const vocabulary = Array.from({ length: 4000 }, () =>
    Array.from({ length: 2 + Math.floor(random() * 8) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join(''),
  );
  const foreign = ['café', 'naïve', 'Zürich', '東京', '数据', 'ｆｕｌｌｗｉｄｔｈ', 'straße'];
  const recent: string[] = [];
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let written = 0;
  let lines = 0;
  let pending = '';
  while (written < o.sizeBytes) {
    let text: string;
    if (recent.length > 0 && random() < duplicateShare) {
      text = recent[Math.floor(random() * recent.length)] ?? '';
    } else {
      const parts = Array.from({ length: words }, () => vocabulary[Math.floor(random() * vocabulary.length)] ?? 'x');
      if (lines % 20 === 7) parts[Math.floor(random() * parts.length)] = foreign[lines % foreign.length] ?? 'é';
      text = parts.join(' ');
      if (recent.length < 1000) recent.push(text);
      else recent[Math.floor(random() * recent.length)] = text;
    }
    const line = `${JSON.stringify({ id: lines + 1, text, source: 'bench', lang: 'en', score: Math.round(random() * 1000) / 1000 })}\n`;
    pending += line;
    written += Buffer.byteLength(line);
    lines += 1;
    if (pending.length > 1 << 20) {
      if (!out.write(pending)) await once(out, 'drain');
      pending = '';
    }
  }
  out.end(pending);
  await once(out, 'finish');
  return { sizeBytes: statSync(path).size, lines };
}

/** Bytes per read: the same for the baseline and our parser, so they read the file alike. */
export const READ_CHUNK_BYTES = 1 << 20;

/** A file on disk as the parsers see it (the service hands them its spooled files the same way). */
export function fileSourceOf(path: string, name = 'bench.jsonl'): FileSource {
  return {
    name,
    sizeBytes: statSync(path).size,
    stream: () => createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }),
    readAll: () => Promise.reject(new Error('the bench streams files')),
  };
}
