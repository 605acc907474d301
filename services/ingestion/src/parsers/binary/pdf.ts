import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { FileSource, ParsedRecord } from '../../domain/record';
import { loadPdfjs } from './load-pdfjs';
import { libraryDetail, malformedFile } from './malformed-file';

export interface PdfOptions {
  /** Refuse files larger than this (pdf.js needs the whole file for its cross-reference table). */
  maxBytes: number;
  /** Refuse documents with more pages than this (default 10,000). */
  maxPages?: number;
}

/** The PDF header must appear in the first 1024 bytes (ISO 32000-1, 7.5.2 and implementation note). */
const HEADER_WINDOW = 1024;

/**
 * PDF → one `document` record per page: the page's text (pdf.js text items,
 * line breaks where pdf.js marks the end of a line), `position.page` 1-based,
 * the document's title/author and page count in metadata. Uses the legacy
 * build, which runs in Node without a DOM; no fonts are loaded, no scripts run.
 */
export async function* parsePdf(src: FileSource, options: PdfOptions, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  const bytes = await src.readAll(options.maxBytes);
  signal?.throwIfAborted();
  const head = Buffer.from(bytes.subarray(0, HEADER_WINDOW)).toString('latin1');
  if (!head.includes('%PDF-')) {
    throw malformedFile(src.name, 'not a PDF (no %PDF- header)', { byteOffset: 0 });
  }
  const { getDocument } = await loadPdfjs();
  const task = getDocument({
    // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy.
    data: Uint8Array.from(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: true,
    verbosity: 0,
  });
  let doc: PDFDocumentProxy;
  try {
    doc = await task.promise;
  } catch (err) {
    await task.destroy();
    throw malformedFile(src.name, `not a readable PDF (${libraryDetail(err)})`, {}, { cause: err });
  }
  try {
    const maxPages = options.maxPages ?? 10_000;
    if (doc.numPages > maxPages) {
      throw malformedFile(src.name, `${doc.numPages} pages exceed the limit of ${maxPages}`, {}, { reason: 'FILE_TOO_LARGE' });
    }
    const meta = await documentMetadata(doc);
    for (let page = 1; page <= doc.numPages; page++) {
      signal?.throwIfAborted();
      let text: string;
      try {
        text = await pageText(doc, page);
      } catch (err) {
        throw malformedFile(src.name, `unreadable page (${libraryDetail(err)})`, { page }, { cause: err });
      }
      yield {
        modality: 'document',
        contentType: 'text/plain',
        data: text,
        metadata: { ...meta, page_count: String(doc.numPages) },
        position: { page },
      };
    }
  } finally {
    await doc.destroy();
  }
}

async function pageText(doc: PDFDocumentProxy, pageNumber: number): Promise<string> {
  const page = await doc.getPage(pageNumber);
  try {
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if (!('str' in item)) continue;
      text += item.str;
      if (item.hasEOL) text += '\n';
    }
    return text.trimEnd();
  } finally {
    page.cleanup();
  }
}

/** Title, author, subject, dates from the Info dictionary; a broken one is not worth failing the file. */
async function documentMetadata(doc: PDFDocumentProxy): Promise<Record<string, string>> {
  const meta: Record<string, string> = { format: 'pdf' };
  try {
    const { info } = await doc.getMetadata();
    const dict = info as Record<string, unknown>;
    for (const [key, name] of [
      ['Title', 'title'],
      ['Author', 'author'],
      ['Subject', 'subject'],
      ['Keywords', 'keywords'],
      ['Creator', 'creator'],
      ['Producer', 'producer'],
      ['CreationDate', 'creation_date'],
    ] as const) {
      const value = dict[key];
      if (typeof value === 'string' && value !== '') meta[name] = value;
    }
  } catch {
    // Metadata is optional: the text is what the record is for.
  }
  return meta;
}
