import JSZip from 'jszip';
import mammoth from 'mammoth';
import type { FileSource, ParsedRecord } from '../../domain/record';
import { libraryDetail, malformedFile } from './malformed-file';
import { checkZipContainer, DEFAULT_ZIP_CONTAINER_LIMITS, type ZipContainerLimits } from './zip-container-guard';

export interface DocxOptions {
  /** Refuse files larger than this (a DOCX is a zip: it is read whole). */
  maxBytes: number;
  /** Zip-bomb bounds checked before the library inflates the parts (defaults: DEFAULT_ZIP_CONTAINER_LIMITS). */
  zip?: Partial<ZipContainerLimits>;
}

/** Core properties (docProps/core.xml, OPC Part 2) kept as metadata, by their element names. */
const CORE_PROPERTIES: ReadonlyArray<[string, string]> = [
  ['dc:title', 'title'],
  ['dc:subject', 'subject'],
  ['dc:creator', 'author'],
  ['cp:keywords', 'keywords'],
  ['dc:description', 'description'],
  ['cp:lastModifiedBy', 'last_modified_by'],
  ['dcterms:created', 'created'],
  ['dcterms:modified', 'modified'],
];

/**
 * DOCX (mammoth) → one `document` record: the paragraphs' text separated by
 * blank lines, the core properties (title, author, dates) in metadata, the
 * creation date as the record's timestamp.
 */
export async function* parseDocx(src: FileSource, options: DocxOptions, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  const bytes = await src.readAll(options.maxBytes);
  await checkZipContainer(src.name, bytes, { ...DEFAULT_ZIP_CONTAINER_LIMITS, ...options.zip });
  signal?.throwIfAborted();
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text: string;
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(buffer);
    text = (await mammoth.extractRawText({ buffer })).value;
  } catch (err) {
    throw malformedFile(src.name, `not a readable DOCX document (${libraryDetail(err)})`, {}, { cause: err });
  }
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const metadata: Record<string, string> = { format: 'docx', paragraph_count: String(paragraphs.length) };
  Object.assign(metadata, await coreProperties(zip));
  const created = metadata.created ? Date.parse(metadata.created) : Number.NaN;
  yield {
    modality: 'document',
    contentType: 'text/plain',
    data: paragraphs.join('\n\n'),
    metadata,
    position: {},
    ...(Number.isNaN(created) ? {} : { timestampUs: created * 1000 }),
  };
}

/**
 * The handful of flat, namespaced text elements of core.xml. mammoth does not
 * read them; a full XML parser for eight leaf elements would be heavier than
 * this match, which never recurses and ignores anything it does not know.
 */
async function coreProperties(zip: JSZip): Promise<Record<string, string>> {
  const xml = await zip.file('docProps/core.xml')?.async('string');
  const out: Record<string, string> = {};
  if (!xml) return out;
  for (const [element, key] of CORE_PROPERTIES) {
    const match = new RegExp(`<${element}(?:\\s[^>]*)?>([^<]*)</${element}>`).exec(xml);
    const value = match?.[1] ? decodeXmlText(match[1]).trim() : '';
    if (value) out[key] = value;
  }
  return out;
}

function decodeXmlText(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    switch (entity) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: {
        const code = entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
        return code <= 0x10ffff ? String.fromCodePoint(code) : '';
      }
    }
  });
}
