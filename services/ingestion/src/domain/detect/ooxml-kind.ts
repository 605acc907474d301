/**
 * Tells a Word or Excel document (OOXML: a zip with `[Content_Types].xml`)
 * from a plain zip archive by the names of its parts, which both formats
 * fix: `word/document.xml`, `xl/workbook.xml`.
 */
export function classifyZipByEntryNames(names: Iterable<string>): 'docx' | 'xlsx' | 'zip' {
  let contentTypes = false;
  let word = false;
  let excel = false;
  for (const raw of names) {
    const name = raw.replace(/^\/+/, '');
    if (name === '[Content_Types].xml') contentTypes = true;
    else if (name.startsWith('word/')) word = true;
    else if (name.startsWith('xl/')) excel = true;
  }
  if (!contentTypes) return 'zip';
  if (word && !excel) return 'docx';
  if (excel && !word) return 'xlsx';
  return 'zip';
}

const LOCAL_FILE_HEADER = 0x04034b50;

/**
 * The entry names a zip's local file headers reveal within `head` (the
 * first bytes of the file), in order. Stops at the first entry whose size
 * is only known after its data (bit 3) or whose data runs past `head`: the
 * names seen so far are still right, the list is just shorter.
 */
export function zipEntryNamesInHead(head: Uint8Array): string[] {
  return zipListingInHead(head).names;
}

/**
 * The same, and whether the listing is complete: the local headers ran up
 * to the central directory (`PK\x01\x02`) or the end-of-directory record
 * inside `head`, so no entry is missing from `names`.
 */
export function zipListingInHead(head: Uint8Array): { names: string[]; complete: boolean } {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const names: string[] = [];
  let at = 0;
  const decoder = new TextDecoder('utf-8', { fatal: false });
  while (at + 30 <= head.byteLength && view.getUint32(at, true) === LOCAL_FILE_HEADER) {
    const flags = view.getUint16(at + 6, true);
    const compressedSize = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    const nameEnd = at + 30 + nameLength;
    if (nameEnd > head.byteLength) break;
    names.push(decoder.decode(head.subarray(at + 30, nameEnd)));
    if ((flags & 0x08) !== 0) break;
    at = nameEnd + extraLength + compressedSize;
  }
  const signature = at + 4 <= head.byteLength ? view.getUint32(at, true) : 0;
  return { names, complete: signature === 0x02014b50 || signature === 0x06054b50 };
}
