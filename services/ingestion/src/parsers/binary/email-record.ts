import type { AddressObject, Attachment, ParsedMail } from 'mailparser';
import type { Modality, ParsedRecord, Position } from '../../domain/record';

/**
 * One parsed mail → its records: first the mail (headers in metadata, body
 * text in data, HTML-only bodies as text), then each attachment as a nested
 * record whose `parent` is `<mailPath>#attachment/<n>` (n 1-based).
 */
export function mailRecords(mail: ParsedMail, mailPath: string, position: Position): ParsedRecord[] {
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
  metadata.attachment_count = String(mail.attachments.length);
  // mailparser derives `text` from the HTML part when a mail has no text part.
  const body = mail.text ?? '';

  const record: ParsedRecord = {
    modality: 'text',
    contentType: 'text/plain',
    data: body,
    metadata,
    position,
    ...(date ? { timestampUs: date.getTime() * 1000 } : {}),
  };
  const out: ParsedRecord[] = [record];
  mail.attachments.forEach((attachment, i) => out.push(attachmentRecord(attachment, `${mailPath}#attachment/${i + 1}`, position, date)));
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
