import { simpleParser, type ParsedMail } from 'mailparser';
import type { FileSource, ParsedRecord } from '../../domain/record';
import { mailRecords, type MailRecordOptions } from './email-record';
import { libraryDetail, malformedFile } from './malformed-file';

export interface EmailOptions {
  /** Refuse a mail (a file, or one message of an mbox) larger than this. */
  maxBytes: number;
  /** What the mail's records carry (EmailOptions); absent: the defaults of `MailRecordOptions`. */
  records?: MailRecordOptions;
}

/**
 * An RFC 822 / RFC 5322 message (`.eml`) → the mail as a `text` record and
 * its attachments as nested records (see `mailRecords`).
 */
export async function* parseEmail(src: FileSource, options: EmailOptions, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  const bytes = await src.readAll(options.maxBytes);
  signal?.throwIfAborted();
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Mails saved from an mbox (the SpamAssassin corpus, `formail` output) keep their
  // envelope `From ` line, which is no header: the message starts after it.
  const body = whole.subarray(0, 5).toString('latin1') === 'From ' ? whole.subarray(whole.indexOf(0x0a) + 1 || whole.length) : whole;
  const skipped = whole.length - body.length;
  const mail = await parseMail(src.name, body, { line: skipped > 0 ? 2 : 1, byteOffset: skipped });
  yield* mailRecords(mail, src.name, {}, options.records);
}

/** mailparser with its optional rewriting off (we keep text, not generated HTML) and HTML bounded. */
export async function parseMail(name: string, bytes: Buffer, where: { line: number; byteOffset: number }): Promise<ParsedMail> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(bytes, {
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      maxHtmlLengthToParse: bytes.length,
    });
  } catch (err) {
    throw malformedFile(name, `not a readable e-mail (${libraryDetail(err)})`, where, { cause: err });
  }
  // mailparser accepts anything; a "mail" without a single header is some other file.
  if (mail.headers.size === 0) {
    throw malformedFile(name, 'not an e-mail: no header lines', where);
  }
  return mail;
}
