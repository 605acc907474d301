import { createWriteStream, createReadStream, statSync } from 'node:fs';
import { once } from 'node:events';
import type { FileSource } from '@l1g1/ingestion/dist/domain/record';

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
 * prose of made-up words, one text in 20 with non-ASCII words (accents, CJK,
 * full-width) so the UTF-8 and NFKC paths are exercised, and a share of exact
 * duplicates. Every other text is distinct (a pooled sentence plus the line's
 * own number in words), so the exact-dedupe set grows with the file as it
 * would with real data. Streams to disk: bounded memory whatever the size.
 * Returns the file's size and line count.
 */
export async function writeJsonlCorpus(path: string, o: JsonlCorpusOptions): Promise<{ sizeBytes: number; lines: number }> {
  const random = seededRandom(7);
  const words = o.words ?? 40;
  const duplicateShare = o.duplicateShare ?? 0.1;
  const vocabulary = Array.from({ length: 4000 }, () =>
    Array.from({ length: 2 + Math.floor(random() * 8) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join(''),
  );
  const foreign = ['café', 'naïve', 'Zürich', '東京', '数据', 'ｆｕｌｌｗｉｄｔｈ', 'straße'];
  // Sentences are drawn once; JSON-escaping them once keeps generation far faster than the parsing it feeds.
  const pool = Array.from({ length: 4096 }, (_, i) => {
    const parts = Array.from({ length: words - 2 }, () => vocabulary[Math.floor(random() * vocabulary.length)] ?? 'x');
    if (i % 20 === 7) parts[Math.floor(random() * parts.length)] = foreign[i % foreign.length] ?? 'é';
    return JSON.stringify(parts.join(' ')).slice(1, -1);
  });
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
      const n = lines + 1;
      text = `${pool[Math.floor(random() * pool.length)] ?? ''} ${vocabulary[n % 4000] ?? 'x'} ${n.toString(36)}`;
      if (recent.length < 1000) recent.push(text);
      else recent[Math.floor(random() * recent.length)] = text;
    }
    const line = `{"id":${lines + 1},"text":"${text}","source":"bench","lang":"en","score":${Math.round(random() * 1000) / 1000}}\n`;
    pending += line;
    lines += 1;
    if (pending.length > 1 << 20) {
      written += Buffer.byteLength(pending);
      if (!out.write(pending)) await once(out, 'drain');
      pending = '';
    }
  }
  out.end(pending);
  await once(out, 'finish');
  return { sizeBytes: statSync(path).size, lines };
}

/** Bytes per read (Node's default for file streams): the same for the baseline and our parser, so they read the file alike. Larger reads only raise the peak: the fs stream buffers ahead by this much. */
export const READ_CHUNK_BYTES = 64 * 1024;

/** A file on disk as the parsers see it (the service hands them its spooled files the same way). */
export function fileSourceOf(path: string, name = 'bench.jsonl'): FileSource {
  return {
    name,
    sizeBytes: statSync(path).size,
    stream: () => createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }),
    readAll: () => Promise.reject(new Error('the bench streams files')),
  };
}
