import { ingestion } from '@l1g1/contracts';

/**
 * The formats ingestion tells apart. The names are the proto's
 * `SourceFormat` values without their `SOURCE_FORMAT_` prefix, lowercased,
 * plus the ones issue 7 adds (html, markdown, tsv, json, xlsx, image_webp,
 * mbox) and the containers that are expanded rather than parsed.
 */
export const DOCUMENT_FORMATS = [
  'jsonl',
  'json',
  'csv',
  'tsv',
  'sensor_csv',
  'parquet',
  'text',
  'markdown',
  'html',
  'email_rfc822',
  'mbox',
  'pdf',
  'docx',
  'xlsx',
  'image_png',
  'image_jpeg',
  'image_webp',
  'audio_wav',
  'dicom',
  'subtitle_srt',
  'subtitle_vtt',
  /** A legacy OLE2 compound file (.doc, .xls, .msg): recognised so it can be refused by name. */
  'ole',
] as const;

/** Containers whose entries are files of the upload in their own right. */
export const ARCHIVE_FORMATS = ['zip', 'tar', 'tar_gz', 'gzip'] as const;

export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];
/** What detection answers; `unknown` when neither content nor name tells. */
export type SourceFormatName = DocumentFormat | ArchiveFormat | 'unknown';

export function isArchiveFormat(format: SourceFormatName): format is ArchiveFormat {
  return (ARCHIVE_FORMATS as readonly string[]).includes(format);
}

/**
 * The format a client declared with the proto's `SourceFormat` enum;
 * `undefined` for UNSPECIFIED (detect it) and for values this build does not know.
 */
export function fromProtoSourceFormat(value: ingestion.SourceFormat): SourceFormatName | undefined {
  if (value === ingestion.SourceFormat.SOURCE_FORMAT_UNSPECIFIED) return undefined;
  const name: string | undefined = ingestion.SourceFormat[value];
  if (name === undefined || !name.startsWith('SOURCE_FORMAT_')) return undefined;
  const format = name.slice('SOURCE_FORMAT_'.length).toLowerCase();
  return (DOCUMENT_FORMATS as readonly string[]).includes(format) ? (format as DocumentFormat) : undefined;
}
