import type { AddressObject, Attachment, ParsedMail } from 'mailparser';
import { stripHtml } from '../../domain/cleaning/strip-html';
import type { Modality, ParsedRecord, Position } from '../../domain/record';

/** The proto's EmailOptions; each absent field keeps the parser's default (the behaviour before the options existed). */
export interface MailRecordOptions {
  /** Headers copied as they are into metadata `header.<lowercase name>` (repeated headers joined by newlines); default none. */
  headers?: readonly string[];
  /** The HTML part as the record (text/html) when the mail has one; default false (text, HTML turned into text). */
  keepHtml?: boolean;
  /** The subject line prepended to the body (`Subject\n\nbody`); default false. */
  includeSubject?: boolean;
  /** Attachments as nested records; default true (counted in `attachment_count` either way). */
  extractAttachments?: boolean;
}

/** Raw header lines (`Name: value`, folded lines joined) → value, for the names asked. */
function rawHeaders(mail: ParsedMail, names: readonly string[]): Record<string, string> {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: Record<string, string> = {};
  for (const { key, line } of mail.headerLines) {
    if (!wanted.has(key)) continue;
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    const name = `header.${key}`;
    out[name] = out[name] === undefined ? value : `${out[name]}\n${value}`;
  }
  return out;
}

/**
 * One parsed mail → its records: first the mail (headers in metadata, body
 * text in data, HTML-only bodies as text), then each attachment as a nested
 * record whose `parent` is `<mailPath>#attachment/<n>` (n 1-based).
 */
export function mailRecords(mail: ParsedMail, mailPath: string, position: Position, options: MailRecordOptions = {}): ParsedRecord[] {
  const metadata: Record<string, string> = { format: 'email' };
  const from = addresses(mail.from);
  const to = addresses(mail.to);
  const cc = addresses(mail.cc);
  if (from) metadata.from = from;
  if (to) metadata.to = to;
  if (cc) metadata.cc = cc;
  if (mail.subject) metadata.subject = mail.subject;
  if (mail.messageId) metadata.message_id = mail.messageId;
  if (mail.inReplyTo) metadata.in_reply_to = mail.inReplyTo;
  const date = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : undefined;
  if (date) metadata.date = date.toISOString();
  // A spam's forged Date (year 3000, year 1) is a valid Date but its microseconds overflow the
  // int64 the snapshot reader sends as a JS number: the readers' decoding failed on the whole page.
  // Such a date stays in metadata; the record just gets no timestamp.
  const stamped = date && Number.isSafeInteger(date.getTime() * 1000) ? date : undefined;
  metadata.attachment_count = String(mail.attachments.length);
  if (options.headers !== undefined) Object.assign(metadata, rawHeaders(mail, options.headers));
  // mailparser derives `text` from the HTML part of an HTML-only mail, but not when the mail also
  // has attachments (multipart/mixed): then the HTML part is turned into text here.
  const html = options.keepHtml === true && typeof mail.html === 'string' ? mail.html : undefined;
  const plain = mail.text ?? (typeof mail.html === 'string' ? stripHtml(mail.html) : '');
  const text = html ?? plain;
  const body = options.includeSubject === true && mail.subject ? `${mail.subject}\n\n${text}` : text;

  const record: ParsedRecord = {
    modality: 'text',
    contentType: html === undefined ? 'text/plain' : 'text/html',
    data: body,
    metadata,
    position,
    ...(stamped ? { timestampUs: stamped.getTime() * 1000 } : {}),
  };
  const out: ParsedRecord[] = [record];
  if (options.extractAttachments === false) return out;
  mail.attachments.forEach((attachment, i) => out.push(attachmentRecord(attachment, `${mailPath}#attachment/${i + 1}`, position, stamped)));
  return out;
}

function attachmentRecord(attachment: Attachment, parent: string, position: Position, date: Date | undefined): ParsedRecord {
  const contentType = (attachment.contentType || 'application/octet-stream').toLowerCase();
  const metadata: Record<string, string> = {
    content_type: contentType,
    size_bytes: String(attachment.size ?? attachment.content.length),
    attachment_index: parent.slice(parent.lastIndexOf('/') + 1),
  };
  if (attachment.filename) metadata.filename = attachment.filename;
  if (attachment.contentId) metadata.content_id = attachment.contentId;
  if (attachment.contentDisposition) metadata.content_disposition = attachment.contentDisposition;
  const bytes = new Uint8Array(attachment.content.buffer, attachment.content.byteOffset, attachment.content.byteLength);
  const modality = attachmentModality(contentType);
  return {
    modality,
    contentType,
    data: modality === 'text' ? Buffer.from(bytes).toString('utf8') : bytes,
    metadata,
    position,
    parent,
    ...(date ? { timestampUs: date.getTime() * 1000 } : {}),
  };
}

function attachmentModality(contentType: string): Modality {
  if (contentType.startsWith('image/')) return 'image';
  if (contentType.startsWith('audio/')) return 'audio';
  if (contentType.startsWith('text/')) return 'text';
  return 'document';
}

function addresses(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}
