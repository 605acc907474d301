import { Document, Packer, Paragraph, TextRun } from 'docx';
import JSZip from 'jszip';
import assert from 'node:assert/strict';
import { parseDocx, parsePdf, parseXlsx } from '../src/parsers/binary';
import { collect, malformedError, memorySource } from './parsers-binary-support';
import { twoPagePdf, workbook } from './format-fixtures';

describe('ingestion binary parsers: PDF, XLSX, DOCX', () => {
  it('PDF: one document record per page with its text, page number, title and page count', async () => {
    const records = await collect(parsePdf(memorySource('report.pdf', await twoPagePdf()), { maxBytes: 1 << 20 }));
    assert.deepEqual(records.map((r) => [r.modality, r.position.page, r.data]), [
      ['document', 1, 'Hello page one\nSecond line'],
      ['document', 2, 'Page two text'],
    ]);
    assert.equal(records[0]?.metadata.title, 'Quarterly report');
    assert.equal(records[0]?.metadata.author, 'L1G1 tests');
    assert.equal(records[1]?.metadata.page_count, '2');
  });

  it('PDF: garbage is INVALID_ARGUMENT naming the file at byte offset 0; a broken body names the file', async () => {
    const garbage = await malformedError(parsePdf(memorySource('junk.pdf', Buffer.alloc(500, 0x41)), { maxBytes: 1 << 20 }));
    assert.equal(garbage.reason, 'MALFORMED_FILE');
    assert.deepEqual(garbage.metadata, { file: 'junk.pdf', byteOffset: '0' });
    const broken = await malformedError(parsePdf(memorySource('broken.pdf', '%PDF-1.7\n1 0 obj\n<< /Type /Catalog'), { maxBytes: 1 << 20 }));
    assert.equal(broken.reason, 'MALFORMED_FILE');
    assert.equal(broken.metadata.file, 'broken.pdf');
    assert.match(broken.message, /^broken\.pdf: not a readable PDF/);
  });

  it('PDF: more pages than maxPages is refused', async () => {
    const err = await malformedError(parsePdf(memorySource('report.pdf', await twoPagePdf()), { maxBytes: 1 << 20, maxPages: 1 }));
    assert.equal(err.reason, 'FILE_TOO_LARGE');
  });

  it('XLSX: every sheet\'s non-empty rows as table_row with sheet, Excel row number and header-named fields', async () => {
    const records = await collect(parseXlsx(memorySource('book.xlsx', await workbook()), { maxBytes: 1 << 20 }));
    assert.deepEqual(records.map((r) => [r.modality, r.position.sheet, r.position.row, r.fields]), [
      ['table_row', 'People', 2, { name: 'Ada', age: 36, joined: '2020-01-15T00:00:00.000Z', total: 72 }],
      ['table_row', 'People', 4, { name: 'Grace', age: 85 }],
      ['table_row', 'Notes', 2, { note: 'site' }],
    ]);
    assert.equal(records[0]?.data, '{"name":"Ada","age":36,"joined":"2020-01-15T00:00:00.000Z","total":72}');
    assert.equal(records[2]?.metadata.sheet, 'Notes');
  });

  it('XLSX: without a header row, columns are named by letter and the first row is a record', async () => {
    const records = await collect(parseXlsx(memorySource('book.xlsx', await workbook()), { maxBytes: 1 << 20, headerRow: false }));
    assert.deepEqual(records[0]?.fields, { A: 'name', B: 'age', C: 'joined', D: 'total' });
    assert.equal(records[0]?.position.row, 1);
  });

  it('XLSX: a file that is not a workbook is INVALID_ARGUMENT naming the file', async () => {
    const err = await malformedError(parseXlsx(memorySource('bad.xlsx', 'name,age\nAda,36\n'), { maxBytes: 1 << 20 }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.equal(err.metadata.file, 'bad.xlsx');
  });

  it('DOCX: the paragraphs as one document record, core properties in metadata, created date as timestamp', async () => {
    const doc = new Document({
      title: 'Field notes',
      creator: 'Ada',
      description: 'a & b',
      sections: [{
        children: [
          new Paragraph({ children: [new TextRun('First paragraph, '), new TextRun({ text: 'bold part', bold: true })] }),
          new Paragraph('Second paragraph.'),
          new Paragraph(''),
          new Paragraph('Third after an empty one.'),
        ],
      }],
    });
    const bytes = new Uint8Array(await Packer.toBuffer(doc));
    const [record, ...rest] = await collect(parseDocx(memorySource('notes.docx', bytes), { maxBytes: 1 << 20 }));
    assert.equal(rest.length, 0);
    assert.equal(record?.modality, 'document');
    assert.equal(record?.data, 'First paragraph, bold part\n\nSecond paragraph.\n\nThird after an empty one.');
    assert.equal(record?.metadata.title, 'Field notes');
    assert.equal(record?.metadata.author, 'Ada');
    assert.equal(record?.metadata.description, 'a & b');
    assert.equal(record?.metadata.paragraph_count, '3');
    assert.equal(record?.timestampUs, Date.parse(record?.metadata.created ?? '') * 1000);
  });

  it('XLSX/DOCX: a zip bomb is refused from its central directory before anything is inflated', async () => {
    const zip = new JSZip();
    zip.file('[Content_Types].xml', '<Types/>');
    zip.file('xl/worksheets/sheet1.xml', Buffer.alloc(8 * 1024 * 1024, 0x20));
    const bomb = new Uint8Array(await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }));
    assert.ok(bomb.length < 64 * 1024, 'the fixture is small on disk');
    const ratio = await malformedError(parseXlsx(memorySource('bomb.xlsx', bomb), { maxBytes: 1 << 20 }));
    assert.equal(ratio.reason, 'COMPRESSION_RATIO_EXCEEDED');
    assert.equal(ratio.metadata.file, 'bomb.xlsx');
    assert.match(ratio.message, /sheet1\.xml inflates \d+× \(limit 200×\)/);
    const total = await malformedError(parseDocx(memorySource('bomb.docx', bomb), { maxBytes: 1 << 20, zip: { maxUncompressedBytes: 1024 * 1024 } }));
    assert.equal(total.reason, 'FILE_TOO_LARGE');
    const entries = await malformedError(parseDocx(memorySource('bomb.docx', bomb), { maxBytes: 1 << 20, zip: { maxEntries: 1 } }));
    assert.equal(entries.reason, 'FILE_TOO_LARGE');
    assert.match(entries.message, /4 zip entries exceed the limit of 1/); // JSZip adds the two folders as entries
  });

  it('DOCX: a file that is not a DOCX is INVALID_ARGUMENT naming the file', async () => {
    const err = await malformedError(parseDocx(memorySource('bad.docx', 'plain text'), { maxBytes: 1 << 20 }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.equal(err.metadata.file, 'bad.docx');
  });
});
