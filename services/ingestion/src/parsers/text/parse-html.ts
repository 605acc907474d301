import { Parser } from 'htmlparser2';
import type { FileSource, ParsedRecord } from '../../domain/record';
import { malformedFile } from './malformed-file';
import { resolveLimits } from './text-limits';
import type { TextDecodingOptions } from './text-options';
import { openText } from './text-source';

/** Elements whose content is not the page's text: code, styling, navigation, page chrome. */
const DROPPED = new Set(['script', 'style', 'noscript', 'template', 'nav', 'aside', 'footer', 'svg', 'math', 'iframe', 'object', 'canvas', 'select', 'button']);
/** Elements that start a new line of text. */
const BLOCKS = new Set([
  'address', 'article', 'blockquote', 'br', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'header', 'hr', 'li', 'main', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'td', 'th', 'tr', 'ul', 'body', 'html',
]);
const META_CHARSET = /<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i;

/** The encoding an HTML page declares in a `<meta>` within its first 1024 bytes (the HTML standard's prescan window). */
function metaCharset(sample: Uint8Array): string | undefined {
  const head = Buffer.from(sample.buffer, sample.byteOffset, Math.min(sample.byteLength, 1024)).toString('latin1');
  const label = META_CHARSET.exec(head)?.[1];
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined; // an unknown label is ignored, as browsers do
  }
}

/**
 * HTML: the page's main text as one `text` record, streamed through
 * htmlparser2 (memory bounded by the text kept, `maxRecordBytes`). Script,
 * style, navigation, asides, footers and forms' controls are dropped;
 * headings, paragraphs, list items and table cells each become a line
 * (whitespace collapsed, `<pre>` kept as written). Metadata `title` is the
 * `<title>`; the encoding comes from a BOM, the caller, the page's
 * `<meta charset>`, then detection. HTML is forgiving: only bytes invalid in
 * the encoding fail the file.
 */
export async function* parseHtml(src: FileSource, options: TextDecodingOptions = {}, signal?: AbortSignal): AsyncGenerator<ParsedRecord> {
  const limits = resolveLimits(options);
  const text = await openText(src, options.encoding, signal, metaCharset);
  const lines: string[] = [];
  let keptBytes = 0;
  let current = '';
  let dropDepth = 0;
  let preDepth = 0;
  let inTitle = false;
  let title: string | undefined;
  let titleText = '';

  const flush = () => {
    const line = preDepth > 0 ? current.replace(/^\n+|\s+$/g, '') : current.replace(/\s+/g, ' ').trim();
    current = '';
    if (line === '') return;
    keptBytes += Buffer.byteLength(line) + 1;
    if (keptBytes > limits.maxRecordBytes) throw malformedFile(src.name, {}, `more than ${limits.maxRecordBytes} bytes of text in one page`, 'RECORD_TOO_LARGE');
    lines.push(line);
  };
  const parser = new Parser(
    {
      onopentag(name) {
        if (DROPPED.has(name)) dropDepth += 1;
        else if (name === 'title' && title === undefined) inTitle = true;
        if (dropDepth === 0 && BLOCKS.has(name)) flush();
        if (name === 'pre') preDepth += 1;
      },
      ontext(data) {
        if (inTitle) titleText += data;
        else if (dropDepth === 0) current += data;
      },
      onclosetag(name) {
        if (dropDepth === 0 && BLOCKS.has(name)) flush();
        if (name === 'pre' && preDepth > 0) preDepth -= 1;
        if (DROPPED.has(name) && dropDepth > 0) dropDepth -= 1;
        else if (name === 'title' && inTitle) {
          inTitle = false;
          title = titleText.replace(/\s+/g, ' ').trim();
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );

  const decoder = new TextDecoder(text.encoding, { fatal: true, ignoreBOM: true });
  let offset = text.bomBytes;
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch (err) {
      throw malformedFile(src.name, { byteOffset: offset }, `bytes that are not valid ${text.encoding} (in the chunk from this offset)`, 'INVALID_ENCODING', err);
    }
  };
  for await (const chunk of text.bytes) {
    signal?.throwIfAborted();
    parser.write(decode(chunk));
    offset += chunk.byteLength;
  }
  parser.write(decode());
  parser.end();
  flush();
  if (inTitle) title = titleText.replace(/\s+/g, ' ').trim();
  if (lines.length === 0 && !title) return;
  const metadata: Record<string, string> = { encoding: text.encoding };
  if (title) metadata['title'] = title;
  yield { modality: 'text', contentType: 'text/plain', data: lines.join('\n'), metadata, position: { byteOffset: 0 } };
}
