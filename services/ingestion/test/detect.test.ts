import { strict as assert } from 'node:assert';
import { gzipSync } from 'node:zlib';
import { ingestion } from '@l1g1/contracts';
import {
  classifyZipByEntryNames,
  detectFormat,
  detectFormatByName,
  fromProtoSourceFormat,
  peekSource,
  DETECT_HEAD_BYTES,
} from '../src/domain/detect';
import { bytesSource, makeTar, makeTarGz, makeZip, readText } from './archive-fixtures';

const bytes = (...parts: Array<string | number[] | Buffer>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

function detect(name: string, head: Buffer | string, whole = true) {
  const buf = typeof head === 'string' ? Buffer.from(head) : head;
  return detectFormat({ name, head: buf.subarray(0, DETECT_HEAD_BYTES), whole: whole && buf.byteLength <= DETECT_HEAD_BYTES });
}

describe('ingestion: format detection', () => {
  describe('by magic bytes (a misleading or missing name does not matter)', () => {
    const riff = (kind: string) => bytes('RIFF', [0x24, 0, 0, 0], kind, 'fmt ', Buffer.alloc(24));
    const cases: Array<[string, Buffer, string]> = [
      ['PDF', bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n'), 'pdf'],
      ['PNG', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], Buffer.alloc(20)), 'image_png'],
      ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF\0'), 'image_jpeg'],
      ['WebP (RIFF....WEBP)', riff('WEBP'), 'image_webp'],
      ['WAV (RIFF....WAVE)', riff('WAVE'), 'audio_wav'],
      ['DICOM (DICM at 128)', bytes(Buffer.alloc(128), 'DICM', [0x02, 0x00, 0x00, 0x00]), 'dicom'],
      ['Parquet (PAR1)', bytes('PAR1', Buffer.alloc(16)), 'parquet'],
      ['OLE2 compound (legacy .doc/.xls)', bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], Buffer.alloc(24)), 'ole'],
    ];
    for (const [what, head, format] of cases) {
      it(`${what} -> ${format}, even named data.csv`, () => {
        assert.deepEqual(detect('upload/data.csv', head), { format, by: 'content' });
      });
    }

    it('a RIFF that is neither WAVE nor WEBP (AVI) is not taken for either', () => {
      assert.equal(detect('clip', riff('AVI ')).format, 'unknown');
    });

    it('ZIP, tar (ustar at 257), tar.gz and a gzipped single file', async () => {
      const zip = await makeZip([{ name: 'a.txt', data: 'hello' }]);
      const tar = await makeTar([{ name: 'a.txt', data: 'hello' }]);
      const tgz = await makeTarGz([{ name: 'a.txt', data: 'hello' }]);
      assert.deepEqual(detect('x', zip), { format: 'zip', by: 'content' });
      assert.deepEqual(detect('x', tar), { format: 'tar', by: 'content' });
      assert.equal(tar.subarray(257, 262).toString(), 'ustar');
      assert.deepEqual(detect('x', tgz), { format: 'tar_gz', by: 'content' });
      assert.deepEqual(detect('notes.csv.gz', gzipSync('a,b\n1,2\n')), { format: 'gzip', by: 'content' });
    });

    it('docx and xlsx are told from a zip by their part names, in the head of the file', async () => {
      const ct = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
      const docx = await makeZip([
        { name: '[Content_Types].xml', data: ct },
        { name: '_rels/.rels', data: '<Relationships/>' },
        { name: 'word/document.xml', data: '<w:document/>' },
      ]);
      const xlsx = await makeZip([
        { name: '[Content_Types].xml', data: ct },
        { name: 'xl/workbook.xml', data: '<workbook/>' },
        { name: 'xl/worksheets/sheet1.xml', data: '<worksheet/>' },
      ]);
      const plain = await makeZip([{ name: 'word/notes.txt', data: 'not a document: no [Content_Types].xml' }]);
      assert.deepEqual(detect('report.bin', docx), { format: 'docx', by: 'content' });
      assert.deepEqual(detect('sheet.bin', xlsx), { format: 'xlsx', by: 'content' });
      assert.deepEqual(detect('stuff.docx', plain), { format: 'zip', by: 'content' });
    });

    it('an OOXML zip whose parts lie past the head falls back to its .docx/.xlsx name', async () => {
      const big = await makeZip([
        { name: '[Content_Types].xml', data: '<Types/>' },
        { name: 'docProps/thumbnail.jpeg', data: Buffer.alloc(20_000, 7), compress: false },
        { name: 'word/document.xml', data: '<w:document/>' },
      ]);
      assert.deepEqual(detect('letter.docx', big), { format: 'docx', by: 'name' });
      assert.deepEqual(detect('letter.zip', big), { format: 'zip', by: 'content' });
    });

    it('classifyZipByEntryNames needs [Content_Types].xml and exactly one of word/ or xl/', () => {
      assert.equal(classifyZipByEntryNames(['[Content_Types].xml', 'word/document.xml']), 'docx');
      assert.equal(classifyZipByEntryNames(['[Content_Types].xml', 'xl/workbook.xml']), 'xlsx');
      assert.equal(classifyZipByEntryNames(['word/document.xml']), 'zip');
      assert.equal(classifyZipByEntryNames(['[Content_Types].xml', 'ppt/presentation.xml']), 'zip');
    });
  });

  describe('by sniffing the first KB of text', () => {
    const cases: Array<[string, string, string]> = [
      ['WebVTT', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\n', 'subtitle_vtt'],
      ['SRT', '1\n00:00:01,000 --> 00:00:02,500\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n', 'subtitle_srt'],
      ['mbox', 'From alice@example.com Thu Jan  1 00:00:00 2004\nFrom: alice@example.com\nSubject: hi\n\nbody\n', 'mbox'],
      ['RFC 822', 'Return-Path: <a@example.com>\nReceived: from x by y;\n\tThu, 1 Jan 2004 00:00:00 +0000\nSubject: hi\n\nbody\n', 'email_rfc822'],
      ['JSON array', '[{"a": 1},\n {"a": 2}]\n', 'json'],
      ['JSON object over several lines', '{\n  "a": 1,\n  "b": [1, 2]\n}\n', 'json'],
      ['JSONL', '{"a": 1}\n{"a": 2}\n{"a": 3}\n', 'jsonl'],
      ['HTML', '<!DOCTYPE html>\n<html><head><title>t</title></head><body><p>x</p></body></html>\n', 'html'],
      ['CSV', 'name,age,city\nann,31,"Paris, FR"\nbob,42,Rome\n', 'csv'],
      ['TSV', 'name\tage\nann\t31\nbob\t42\n', 'tsv'],
      ['Markdown', '# Title\n\nSome text with a [link](https://example.com).\n', 'markdown'],
      ['plain text', 'Just some words.\nAnd another line: with a colon.\n', 'text'],
    ];
    for (const [what, text, format] of cases) {
      it(`${what} -> ${format} (no extension)`, () => {
        assert.deepEqual(detect('upload/file', text), { format, by: 'content' });
      });
    }

    it('colon lines that are not mail headers stay text', () => {
      assert.equal(detect('notes', 'Title: groceries\nAuthor: me\n\nmilk\n').format, 'text');
    });

    it('a "From " line without an mbox date is not mbox', () => {
      assert.equal(detect('story', 'From here on, the road was long.\nIt rained.\n').format, 'text');
    });

    it('legacy-encoded text (GBK, Latin-1) is text, not binary', () => {
      const gbk = Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0xa3, 0xac, 0xca, 0xc0, 0xbd, 0xe7, 0x0a]); // 你好，世界 in GBK
      assert.equal(detect('hello', gbk).format, 'text');
      assert.equal(detect('cafe', Buffer.from('caf\xe9 cr\xe8me\n', 'latin1')).format, 'text');
    });

    it('UTF-16 with a BOM is sniffed as text after decoding', () => {
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\tb\n1\t2\n', 'utf16le')]);
      assert.equal(detect('table', utf16).format, 'tsv');
    });

    it('binary bytes without a signature: the name decides, else unknown', () => {
      const junk = Buffer.from([0x00, 0x01, 0x02, 0x00, 0xfe, 0x00, 0x10]);
      assert.deepEqual(detect('weights.bin', junk), { format: 'unknown', by: 'name' });
      assert.deepEqual(detect('broken.pdf', junk), { format: 'pdf', by: 'name' });
    });
  });

  describe('then by name', () => {
    it('a specific text extension refines the sniff (a one-column CSV looks like plain text)', () => {
      assert.deepEqual(detect('ids.csv', 'id\n1\n2\n'), { format: 'csv', by: 'name' });
      assert.deepEqual(detect('one.jsonl', '{"a":1}\n'), { format: 'jsonl', by: 'name' });
      assert.deepEqual(detect('one', '{"a":1}\n'), { format: 'json', by: 'content' });
    });

    it('.txt does not hide what the content is', () => {
      assert.deepEqual(detect('mail.txt', 'From: a@example.com\nSubject: x\nDate: Thu, 1 Jan 2004 00:00:00 +0000\n\nhi\n'), {
        format: 'email_rfc822',
        by: 'content',
      });
    });

    it('the extension table, case-insensitive, longest suffix first', () => {
      const table: Array<[string, string]> = [
        ['A.TAR.GZ', 'tar_gz'], ['a.tgz', 'tar_gz'], ['a.gz', 'gzip'], ['a.zip', 'zip'], ['a.tar', 'tar'],
        ['a.ndjson', 'jsonl'], ['a.tsv', 'tsv'], ['a.htm', 'html'], ['a.md', 'markdown'], ['a.eml', 'email_rfc822'],
        ['a.mbox', 'mbox'], ['a.xlsx', 'xlsx'], ['a.docx', 'docx'], ['a.jpeg', 'image_jpeg'], ['a.webp', 'image_webp'],
        ['a.dcm', 'dicom'], ['a.parquet', 'parquet'], ['a.srt', 'subtitle_srt'], ['a.vtt', 'subtitle_vtt'],
        ['dir.csv/README', 'unknown'], ['.csv', 'unknown'],
      ];
      for (const [name, format] of table) assert.equal(detectFormatByName(name), format, name);
    });

    it('a declared format is taken as it is', () => {
      assert.deepEqual(
        detectFormat({ name: 'x.csv', head: Buffer.from('t,v\n1,2\n'), whole: true, declared: 'sensor_csv' }),
        { format: 'sensor_csv', by: 'declared' },
      );
    });

    it("the proto's SourceFormat maps onto the same names (UNSPECIFIED: detect)", () => {
      assert.equal(fromProtoSourceFormat(ingestion.SourceFormat.SOURCE_FORMAT_EMAIL_RFC822), 'email_rfc822');
      assert.equal(fromProtoSourceFormat(ingestion.SourceFormat.SOURCE_FORMAT_SUBTITLE_VTT), 'subtitle_vtt');
      assert.equal(fromProtoSourceFormat(ingestion.SourceFormat.SOURCE_FORMAT_UNSPECIFIED), undefined);
      assert.equal(fromProtoSourceFormat(999 as ingestion.SourceFormat), undefined);
    });
  });

  describe('peeking', () => {
    it('the head is read without losing it: the source replays from byte 0, whatever the chunking', async () => {
      const text = 'x'.repeat(10_000) + '\nend\n';
      const peeked = await peekSource(bytesSource('big.txt', text, 333), 4096);
      assert.equal(peeked.head.byteLength, 4096);
      assert.equal(peeked.whole, false);
      assert.equal(await readText(peeked.source), text);
    });

    it('a file smaller than the head is whole', async () => {
      const peeked = await peekSource(bytesSource('small.txt', 'abc'), 4096);
      assert.equal(peeked.whole, true);
      assert.equal(Buffer.from(peeked.head).toString(), 'abc');
      assert.equal(Buffer.from(await peeked.source.readAll(10)).toString(), 'abc');
    });

    it('readAll refuses past its bound, naming the file and the limit', async () => {
      const peeked = await peekSource(bytesSource('big.bin', Buffer.alloc(5000)), 16);
      await assert.rejects(peeked.source.readAll(1000), (err: Error & { reason?: string; metadata?: Record<string, string> }) => {
        assert.equal(err.reason, 'FILE_TOO_LARGE');
        assert.deepEqual(err.metadata, { file: 'big.bin', limit: 'max_bytes', limit_value: '1000' });
        return true;
      });
    });
  });
});
